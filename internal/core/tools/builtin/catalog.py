"""The builtin tool catalog, declared as data in providers/providers.yaml (format: docs/tools.md).

Loaded and checked once: every tool needs a registered function and every function a declared
tool, icons must exist, input/param types are the console's. The console shapes are built here
(`provider_dict`, `tool_dict`) so handlers only serialize.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..schema_validation import compile_schema
from .registry import BuiltinFunction, registered_functions

HERE = Path(__file__).resolve().parent
PROVIDERS_FILE = HERE / "providers" / "providers.yaml"
ICON_DIR = HERE / "icons"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_INPUT_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


class I18n(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class InputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    type: Literal["str", "int", "float", "bool"] = "str"
    required: bool = False
    description: str = Field(min_length=1)        # read by the model: English
    default: Any = None
    enum: list[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None


class ParamOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Any
    label: str


class ParamSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    label: I18n
    type: Literal["string", "number", "boolean", "select"]
    required: bool = False
    default: Any = None
    min: float | None = None
    max: float | None = None
    options: list[ParamOption] = Field(default_factory=list)
    help: str = ""


class CredentialField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    label: I18n
    type: Literal["secret", "text"] = "secret"
    required: bool = True
    help: str = ""


class ToolSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    label: I18n
    description: I18n
    inputs: list[InputSpec] = Field(default_factory=list)
    params: list[ParamSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("tool names are lower-case [a-z0-9_], at most 48 characters")
        return v


class ProviderSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    label: I18n
    description: I18n
    icon: str
    background: str = "#FFFFFF"
    category: str
    created_at: int                                # UNIX seconds in the YAML; served in milliseconds
    credentials: list[CredentialField] = Field(default_factory=list)
    tools: list[ToolSpec] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("provider names are lower-case [a-z0-9_], at most 48 characters")
        return v


class CategorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    name: I18n
    icon: str


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: list[CategorySpec]
    providers: list[ProviderSpec]


def input_schema(tool: ToolSpec) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for i in tool.inputs:
        prop: dict[str, Any] = {"type": _INPUT_TYPES[i.type], "description": i.description}
        for key, value in (("default", i.default), ("enum", i.enum), ("minimum", i.minimum),
                           ("maximum", i.maximum), ("maxLength", i.max_length)):
            if value is not None:
                prop[key] = value
        props[i.name] = prop
    return {"type": "object", "properties": props, "required": [i.name for i in tool.inputs if i.required],
            "additionalProperties": False}


class BuiltinCatalog:
    def __init__(self, path: Path = PROVIDERS_FILE, icon_dir: Path = ICON_DIR,
                 functions: dict[tuple[str, str], BuiltinFunction] | None = None) -> None:
        try:
            data = CatalogFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as e:
            raise RuntimeError(f"{path}: invalid builtin tool catalog: {e}") from e
        self.icon_dir = icon_dir
        self.categories = data.categories
        self.providers = {p.name: p for p in data.providers}
        self.functions = registered_functions() if functions is None else functions
        self._category_svg = {c.category: self._read_icon(c.icon) for c in self.categories}
        known_categories = set(self._category_svg)
        declared = set()
        for p in data.providers:
            if p.category not in known_categories:
                raise RuntimeError(f"provider {p.name}: unknown category {p.category!r}")
            self._read_icon(p.icon)
            for t in p.tools:
                if (p.name, t.name) not in self.functions:
                    raise RuntimeError(f"builtin tool {p.name}/{t.name} has no registered function")
                declared.add((p.name, t.name))
        undeclared = set(self.functions) - declared
        if undeclared:
            raise RuntimeError(f"registered builtin functions without a YAML declaration: {sorted(undeclared)}")
        self._schemas = {(p.name, t.name): input_schema(t) for p in data.providers for t in p.tools}
        self._validators = {key: compile_schema(schema) for key, schema in self._schemas.items()}

    def _read_icon(self, name: str) -> str:
        path = (self.icon_dir / name).resolve()
        if path.parent != self.icon_dir.resolve() or not path.is_file():
            raise RuntimeError(f"builtin tool icon {name!r} not found in {self.icon_dir}")
        return path.read_text(encoding="utf-8") if path.suffix == ".svg" else ""

    # -- lookups ---------------------------------------------------------------------------
    def provider(self, name: str) -> ProviderSpec | None:
        return self.providers.get(name)

    def tool(self, provider: str, tool: str) -> tuple[ProviderSpec, ToolSpec] | None:
        p = self.providers.get(provider)
        t = next((t for t in p.tools if t.name == tool), None) if p else None
        return (p, t) if p and t else None

    def function(self, provider: str, tool: str) -> BuiltinFunction:
        return self.functions[(provider, tool)]

    def schema(self, provider: str, tool: str) -> dict[str, Any]:
        return self._schemas[(provider, tool)]

    def validator(self, provider: str, tool: str) -> Any:
        return self._validators[(provider, tool)]

    def icon_path(self, provider: str) -> Path | None:
        p = self.providers.get(provider)
        return (self.icon_dir / p.icon) if p else None

    # -- console shapes (docs/tools.md) ------------------------------------------------------
    def categories_list(self) -> list[dict[str, Any]]:
        return [{"category": c.category, "name": c.name.zh, "name_en": c.name.en, "icon": self._category_svg[c.category]}
                for c in self.categories]

    @staticmethod
    def _provider_head(p: ProviderSpec) -> dict[str, Any]:
        return {"name": p.name, "label": p.label.zh, "label_en": p.label.en, "description": p.description.zh,
                "description_en": p.description.en, "background": p.background, "category": p.category}

    def provider_dict(self, p: ProviderSpec, icon_url: str) -> dict[str, Any]:
        return {**self._provider_head(p), "icon": icon_url,
                "credentials": [self._credential_dict(c) for c in p.credentials],
                "tools": [self._tool_body(p, t) for t in p.tools], "created_at": p.created_at * 1000}

    def tool_dict(self, p: ProviderSpec, t: ToolSpec, icon_url: str) -> dict[str, Any]:
        return {"provider": {**self._provider_head(p), "icon": icon_url}, **self._tool_body(p, t),
                "created_at": p.created_at * 1000}

    @staticmethod
    def _credential_dict(c: CredentialField) -> dict[str, Any]:
        return {"name": c.name, "label": c.label.zh, "label_en": c.label.en, "type": c.type, "required": c.required,
                "help": c.help}

    def _tool_body(self, p: ProviderSpec, t: ToolSpec) -> dict[str, Any]:
        return {
            "name": t.name, "label": t.label.zh, "label_en": t.label.en, "description": t.description.zh,
            "description_en": t.description.en,
            "inputs": [{"name": i.name, "description": i.description, "required": i.required, "type": i.type}
                       for i in t.inputs],
            "params": [{"name": x.name, "label": x.label.zh, "label_en": x.label.en, "type": x.type,
                        "required": x.required, "default": x.default, "min": x.min, "max": x.max,
                        "options": [o.model_dump() for o in x.options], "help": x.help} for x in t.params],
        }

    def check_params(self, provider: str, tool: str, params: dict[str, Any]) -> dict[str, Any]:
        """Form params of a tool reference: known names, select values among the options, numbers
        in range; missing ones take their default. Raises ValueError naming the field."""
        _, spec = self.tool(provider, tool) or (None, None)
        if spec is None:
            raise ValueError(f"unknown tool {provider}/{tool}")
        known = {x.name: x for x in spec.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(f"unknown param(s): {', '.join(unknown)}")
        clean: dict[str, Any] = {}
        for name, x in known.items():
            value = params.get(name, x.default)
            if value is None:
                if x.required:
                    raise ValueError(f"param {name} is required")
                continue
            if x.type == "select" and value not in [o.value for o in x.options]:
                raise ValueError(f"param {name} must be one of {[o.value for o in x.options]}")
            if x.type == "number":
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    raise ValueError(f"param {name} must be a number") from None
                if (x.min is not None and value < x.min) or (x.max is not None and value > x.max):
                    raise ValueError(f"param {name} must be between {x.min} and {x.max}")
            if x.type == "boolean":
                value = value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes", "on")
            clean[name] = value
        return clean
