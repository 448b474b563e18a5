"""The console envelope: HTTP 200 + {code, message, data}. The UI reads errors from `code`."""
from __future__ import annotations

from typing import Any

from flask import Response, has_request_context, jsonify, request

from pkg.i18n import translate_message
from pkg.i18n.i18n import DEFAULT_WRITE_MESSAGE

from .http_code import HttpCode


def envelope(code: HttpCode, message: str = "", data: Any = None) -> dict:
    if not message and code is HttpCode.SUCCESS and has_request_context() and request.method != "GET":
        message = DEFAULT_WRITE_MESSAGE  # the console toasts every write's message
    return {"code": code.value, "message": translate_message(message), "data": data if data is not None else {}}


def json(code: HttpCode = HttpCode.SUCCESS, message: str = "", data: Any = None) -> Response:
    return jsonify(envelope(code, message, data))


def success_json(data: Any = None) -> Response:
    return json(HttpCode.SUCCESS, "", data)


def success_message(message: str) -> Response:
    return json(HttpCode.SUCCESS, message, None)
