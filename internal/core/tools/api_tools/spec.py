"""What a parsed document becomes: one `OperationSpec` per operation, each turned into one tool.
Specs are plain data (stored as JSON in the tool rows), so calling a tool never re-parses the
document."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .json_schema import course_type

LOCATIONS = ("path", "query", "header", "cookie", "body")


@dataclass(frozen=True)
class ParamSpec:
    name: str                   # the input's name (unique within the operation)
    location: str               # one of LOCATIONS
    wire: str                   # its name on the wire (differs from `name` only after a clash)
    required: bool
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class BodySpec:
    media_type: str             # application/json, application/x-www-form-urlencoded, or anything else (raw)
    whole: bool                 # True: one input "body" is the whole body; False: inputs are its fields
    required: bool = False


@dataclass(frozen=True)
class OperationSpec:
    name: str                   # tool name: [A-Za-z0-9_-]{1,64}, unique in the provider
    operation_id: str
    method: str                 # upper case
    path: str                   # template, e.g. /pets/{petId}
    server_url: str             # absolute base URL the path is appended to
    description: str
    params: tuple[ParamSpec, ...] = ()
    body: BodySpec | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperationSpec:
        body = data.get("body")
        return cls(**{**data, "params": tuple(ParamSpec(**p) for p in data.get("params") or ()),
                      "body": BodySpec(**body) if body else None})

    def inputs(self) -> list[dict[str, Any]]:
        """The console's `inputs` rows: name, type (str|int|float|bool|array|object), description, required."""
        return [{"name": p.name, "type": course_type(p.schema), "description": p.description,
                 "required": p.required} for p in self.params]


@dataclass(frozen=True)
class SecurityHint:
    """The first security scheme the document declares, to fill auth defaults (api key name/place)."""
    type: str                   # api_key | bearer | basic
    location: str = ""          # api_key: header | query
    name: str = ""


@dataclass(frozen=True)
class ApiSpec:
    dialect: str                # course | openapi-3.0 | openapi-3.1 | swagger-2.0
    title: str
    description: str
    server_url: str
    operations: tuple[OperationSpec, ...]
    security: SecurityHint | None = None
