"""The one place where exceptions become responses, per surface (DESIGN §1).

Internal error text never reaches a client: unexpected exceptions are logged with the
request id, and the client gets a generic message carrying that id.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, request
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from internal.entity.surface import Surface, surface_for
from internal.exception import (
    CustomException,
    FailException,
    ForbiddenException,
    InternalServerErrorException,
    MethodNotAllowedException,
    NotFoundException,
    PayloadTooLargeException,
    ServiceUnavailableException,
    TooManyRequestsException,
    UnauthorizedException,
    ValidateErrorException,
)
from pkg.response import envelope

logger = logging.getLogger(__name__)

_HTTP_TO_CUSTOM: dict[int, type[CustomException]] = {
    400: ValidateErrorException, 401: UnauthorizedException, 403: ForbiddenException,
    404: NotFoundException, 405: MethodNotAllowedException, 413: PayloadTooLargeException,
    429: TooManyRequestsException,
}


def _from_http_exception(exc: HTTPException) -> CustomException:
    cls = _HTTP_TO_CUSTOM.get(exc.code or 500)
    if cls is None:
        return FailException(exc.name) if (exc.code or 500) < 500 else InternalServerErrorException()
    if cls is TooManyRequestsException:
        retry_after = None
        if exc.response is not None and exc.response.headers.get("Retry-After"):
            retry_after = int(exc.response.headers["Retry-After"])
        limit = getattr(exc, "retry_after", None) or retry_after
        return TooManyRequestsException(retry_after=limit or 60)
    return cls()


def as_custom_exception(exc: Exception, method: str, path: str) -> CustomException:
    """Any exception as one of ours; an unexpected one is logged (with traceback and request id)
    and becomes a generic internal error that names the request id and nothing else."""
    if isinstance(exc, CustomException):
        return exc
    if isinstance(exc, HTTPException):
        return _from_http_exception(exc)
    if isinstance(exc, PoolTimeoutError):  # overload, not a bug: tell the client to come back
        logger.warning("no database connection free within SQLALCHEMY_POOL_TIMEOUT on %s %s", method, path)
        return ServiceUnavailableException("the server is busy; please try again in a moment",
                                           headers={"Retry-After": "1"})
    logger.error("unhandled error on %s %s", method, path, exc_info=exc)
    return InternalServerErrorException(f"internal server error (request id {g.get('request_id', '')})")


def openai_error(exc: CustomException) -> tuple[dict, int, dict[str, str]]:
    """OpenAI's error JSON, status and extra headers (e.g. Retry-After) for the /v1 surface."""
    return ({"error": {"message": exc.message, "type": exc.openai_type, "param": exc.param,
                       "code": exc.openai_code}}, exc.status, exc.headers)


def render(exc: CustomException) -> Response:
    surface = surface_for(request.blueprint, request.path)
    request_id = g.get("request_id", "")
    if surface is Surface.CONSOLE:
        # The console treats every non-2xx as a network failure: errors travel in `code`.
        response = jsonify(envelope(exc.code, exc.message, exc.data))
        response.status_code = 200
    elif surface is Surface.OPENAI:
        body, status, _headers = openai_error(exc)
        response = jsonify(body)
        response.status_code = status
    else:
        response = jsonify({"code": exc.code.value, "message": exc.message, "data": exc.data,
                            "request_id": request_id})
        response.status_code = exc.status
    for name, value in exc.headers.items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    @app.errorhandler(CustomException)
    def _custom(exc: CustomException):
        return render(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return render(_from_http_exception(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        return render(as_custom_exception(exc, request.method, request.path))
