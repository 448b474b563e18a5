"""Envelope messages in the caller's language (Flask-Babel; locale chosen from Accept-Language).

Messages are written in English in the code and translated once, at the envelope: an exact msgid
first, then `field: detail` (validation errors) with the detail translated. Outside a request,
or without a catalog entry, the English text is answered unchanged."""
from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale, gettext

# A successful write must answer a human message (the console shows it in a toast).
DEFAULT_WRITE_MESSAGE = "operation succeeded"


def _english() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "en"


def translate_message(message: str) -> str:
    if not message or not has_request_context() or _english():
        return message
    translated = gettext(message)
    if translated != message:
        return translated
    field, sep, detail = message.partition(": ")
    if sep and detail:
        return f"{field}: {translate_message(detail)}"
    return message


# pydantic error types -> English text with named placeholders taken from the error's ctx.
_VALIDATION = {
    "missing": "field required",
    "string_too_short": "at least %(min_length)s characters",
    "string_too_long": "at most %(max_length)s characters",
    "too_short": "at least %(min_length)s items",
    "too_long": "at most %(max_length)s items",
    "greater_than_equal": "must be at least %(ge)s",
    "less_than_equal": "must be at most %(le)s",
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "uuid_parsing": "must be a UUID",
    "literal_error": "not one of the allowed values",
    "enum": "not one of the allowed values",
    "extra_forbidden": "unknown field",
}


def translate_validation(error_type: str, ctx: dict | None, english: str) -> str:
    """pydantic's own `msg` in English; a catalog translation of its error type otherwise."""
    template = _VALIDATION.get(error_type)
    if template is None or not has_request_context() or _english():
        return english
    try:
        return gettext(template, **{k: str(v) for k, v in (ctx or {}).items()})
    except (KeyError, ValueError):
        return english
