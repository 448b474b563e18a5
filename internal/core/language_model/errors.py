"""Errors of the model layer, each mapping onto an OpenAI-style error (status, type, code)."""
from __future__ import annotations

from typing import Any


class LLMError(Exception):
    status_code: int = 500
    type: str = "server_error"
    code: str | None = "server_error"
    retryable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
        deployment_id: str | None = None,
    ) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        if type is not None:
            self.type = type
        self.param = param
        self.retry_after = retry_after
        self.deployment_id = deployment_id

    def to_openai(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequestError(LLMError):
    status_code = 400
    type = "invalid_request_error"
    code = "invalid_request_error"


class AuthenticationError(LLMError):
    status_code = 401
    type = "invalid_request_error"
    code = "invalid_api_key"


class PermissionDeniedError(LLMError):
    status_code = 403
    type = "invalid_request_error"
    code = "permission_denied"


class ModelNotFoundError(LLMError):
    status_code = 404
    type = "invalid_request_error"
    code = "model_not_found"


class RateLimitError(LLMError):
    status_code = 429
    type = "requests"
    code = "rate_limit_exceeded"
    retryable = True


class UpstreamError(LLMError):
    """The provider answered 5xx or an unusable response."""

    status_code = 502
    type = "server_error"
    code = "upstream_error"
    retryable = True


class UpstreamTimeoutError(UpstreamError):
    status_code = 504
    code = "upstream_timeout"


class UpstreamConnectionError(UpstreamError):
    status_code = 502
    code = "upstream_connection_error"


class NoDeploymentAvailableError(LLMError):
    """Every deployment of a model group is cooling down or failed."""

    status_code = 503
    type = "server_error"
    code = "no_deployment_available"
    retryable = False


class StreamInterruptedError(UpstreamError):
    """The upstream stream broke after bytes were already sent to the client."""

    code = "stream_interrupted"
    retryable = False


def error_from_status(status: int, message: str, retry_after: float | None = None,
                      code: str | None = None) -> LLMError:
    """Translate a provider's HTTP status into our error class."""
    if status == 400 or status == 422:
        return InvalidRequestError(message, code=code or "invalid_request_error")
    if status == 401:
        # the provider rejected *our* credential: for the caller this is an upstream failure
        return UpstreamError(message, status_code=502, code="upstream_authentication_error")
    if status == 403:
        return UpstreamError(message, status_code=502, code="upstream_permission_denied")
    if status == 404:
        return ModelNotFoundError(message)
    if status == 408:
        return UpstreamTimeoutError(message)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after)
    if status >= 500:
        return UpstreamError(message, status_code=502 if status != 503 else 503, retry_after=retry_after)
    return UpstreamError(message)
