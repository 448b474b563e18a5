from enum import Enum


class HttpCode(str, Enum):
    """The `code` values of the console envelope (llmops-ui `httpCode`)."""

    SUCCESS = "success"
    FAIL = "fail"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    VALIDATE_ERROR = "validate_error"
