"""The one error a bad OpenAPI document raises: a validation error naming where it is wrong.

`line` is set for syntax errors (JSON or YAML), `pointer` (RFC 6901) for structure errors, so the
console user can find the spot in the text they pasted. The service layer turns it into a
ValidateErrorException (the core does not import the web-facing exception hierarchy)."""
from __future__ import annotations


def escape_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(path: tuple | list) -> str:
    return "".join("/" + escape_token(p) for p in path) or "/"


class OpenAPIDocumentError(ValueError):
    def __init__(self, message: str, *, pointer: str | None = None, line: int | None = None,
                 column: int | None = None):
        where = []
        if line is not None:
            where.append(f"line {line}" + (f", column {column}" if column is not None else ""))
        if pointer is not None:
            where.append(f"at {pointer}")
        text = f"openapi_schema: {message}" + (f" ({'; '.join(where)})" if where else "")
        data = {k: v for k, v in (("pointer", pointer), ("line", line), ("column", column)) if v is not None}
        super().__init__(text)
        self.message, self.data = text, data or None
        self.pointer, self.line, self.column = pointer, line, column


def fail(message: str, path: tuple | list = ()) -> OpenAPIDocumentError:
    return OpenAPIDocumentError(message, pointer=pointer_of(path))
