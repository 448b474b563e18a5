"""The one exception hierarchy. Each class fixes how it travels on every surface:
the console envelope `code`, the HTTP status for the API surfaces, and OpenAI's
error `type`/`code`. internal/server/error_handlers.py is the only place that renders them.
"""
from __future__ import annotations

from typing import Any

from pkg.response import HttpCode


class CustomException(Exception):
    code: HttpCode = HttpCode.FAIL
    status: int = 400
    openai_type: str = "invalid_request_error"
    openai_code: str | None = None
    default_message: str = "request failed"

    def __init__(self, message: str | None = None, data: Any = None, *, param: str | None = None,
                 openai_code: str | None = None, headers: dict[str, str] | None = None):
        self.message = message or self.default_message
        self.data = data
        self.param = param
        self.headers = headers or {}
        if openai_code:
            self.openai_code = openai_code
        super().__init__(self.message)


class FailException(CustomException):
    pass


class ValidateErrorException(CustomException):
    code = HttpCode.VALIDATE_ERROR
    status = 400
    default_message = "invalid request"


class UnauthorizedException(CustomException):
    code = HttpCode.UNAUTHORIZED
    status = 401
    openai_type = "invalid_request_error"
    openai_code = "invalid_api_key"
    default_message = "authentication required"


class ForbiddenException(CustomException):
    code = HttpCode.FORBIDDEN
    status = 403
    openai_type = "permission_error"
    openai_code = "forbidden"
    default_message = "forbidden"


class NotFoundException(CustomException):
    code = HttpCode.NOT_FOUND
    status = 404
    openai_code = "not_found"
    default_message = "not found"


class MethodNotAllowedException(CustomException):
    code = HttpCode.NOT_FOUND
    status = 405
    openai_code = "method_not_allowed"
    default_message = "method not allowed"


class ConflictException(CustomException):
    status = 409
    openai_code = "conflict"
    default_message = "conflict"


class PayloadTooLargeException(CustomException):
    code = HttpCode.VALIDATE_ERROR
    status = 413
    openai_code = "payload_too_large"
    default_message = "payload too large"


class TooManyRequestsException(CustomException):
    status = 429
    openai_type = "rate_limit_error"
    openai_code = "rate_limit_exceeded"
    default_message = "too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kwargs):
        headers = kwargs.pop("headers", None) or {}
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, int(retry_after)))
        super().__init__(message, headers=headers, **kwargs)
        self.retry_after = retry_after


class UpstreamException(CustomException):
    """A model provider or other upstream failed; the message is safe to show."""

    status = 502
    openai_type = "api_error"
    openai_code = "upstream_error"
    default_message = "upstream service failed"


class ServiceUnavailableException(CustomException):
    status = 503
    openai_type = "api_error"
    openai_code = "service_unavailable"
    default_message = "service unavailable"


class InternalServerErrorException(CustomException):
    """Never raised with internal text: the client sees a generic message + request id."""

    status = 500
    openai_type = "api_error"
    openai_code = "internal_error"
    default_message = "internal server error"
