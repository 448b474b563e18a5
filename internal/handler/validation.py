"""One decorator that both validates a request and documents it in /openapi.json.

    @validate(body=CreateApiKeyReq, query=None, response=ApiKeyResp)
    def create_api_key(self, req: CreateApiKeyReq): ...

The parsed model arrives as the `req` (body) and `query` (query string) keyword arguments.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError

from internal.exception import ValidateErrorException
from pkg.i18n import translate_validation
from pkg.json_codec import loads
from pkg.json_codec.input_check import input_problem

OPENAPI_ATTR = "__openapi__"


def describe_errors(exc: ValidationError) -> tuple[str, list[dict]]:
    # Never echo input values back: they may hold secrets.
    details = [{"field": ".".join(str(p) for p in err["loc"]) or "body",
                "message": translate_validation(err["type"], err.get("ctx"), err["msg"])}
               for err in exc.errors(include_url=False, include_input=False)]
    first = details[0]
    return f"{first['field']}: {first['message']}", details


def reject_unsafe_input(data: Any, root: str = "body") -> None:
    """NUL characters and absurd nesting are validation errors on every surface (issue 9)."""
    problem = input_problem(data, root=root)
    if problem is not None:
        field, message = problem
        raise ValidateErrorException(f"{field}: {message}", data={"errors": [{"field": field, "message": message}]})


def parse_model(model: type[BaseModel], data: Any, root: str = "body") -> BaseModel:
    reject_unsafe_input(data, root)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ValidateErrorException(message, data={"errors": details}) from None


def json_body() -> dict:
    # orjson, not request.get_json: the json module lets RecursionError through (a 500) on
    # deeply nested input; orjson refuses it (and lone surrogates) with a ValueError.
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if not request.is_json:
        raise ValidateErrorException("request body must be valid JSON")
    try:
        data = loads(raw)
    except ValueError:
        raise ValidateErrorException("request body must be valid JSON") from None
    if not isinstance(data, dict):
        raise ValidateErrorException("request body must be a JSON object")
    return data


def validate(body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             response: type[BaseModel] | None = None, summary: str = "") -> Callable:
    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if body is not None:
                kwargs["req"] = parse_model(body, json_body())
            if query is not None:
                kwargs["query"] = parse_model(query, request.args.to_dict(), root="query")
            return fn(*args, **kwargs)

        setattr(wrapper, OPENAPI_ATTR, {"body": body, "query": query, "response": response,
                                        "summary": summary or (fn.__doc__ or "").strip().split("\n")[0]})
        return wrapper

    return decorator


def document(**meta: Any) -> Callable:
    """Add /openapi.json facts to a view without validating anything, e.g. the /v1 routes (the
    gateway validates their bodies itself) or a route that also answers a non-JSON body:
    `body=`, `response=` (models), `produces=("image/svg+xml",)`, `statuses={404: "..."}`."""
    def decorator(fn: Callable) -> Callable:
        setattr(fn, OPENAPI_ATTR, {**getattr(fn, OPENAPI_ATTR, {}), **meta})
        return fn

    return decorator
