from enum import StrEnum


class HttpCode(StrEnum):
    """The `code` values of the console envelope (llmops-ui `httpCode`)."""

    SUCCESS = "success"
    FAIL = "fail"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    VALIDATE_ERROR = "validate_error"
