"""Builtin tool functions, registered by decorator: `@builtin_tool("time", "current_time")`.

A function takes the validated inputs and a `BuiltinContext` and returns a string or JSON-able
data; it raises `ToolError` with a readable message when it cannot do its job. The catalog
(catalog.py) pairs each YAML-declared tool with its function and refuses to start if one is
missing, so adding a tool is one YAML block plus one function.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pkg.ssrf import OutboundHttpClient

from ..base import Deadline, ToolError

BuiltinFunction = Callable[[dict[str, Any], "BuiltinContext"], Any]

_FUNCTIONS: dict[tuple[str, str], BuiltinFunction] = {}


def builtin_tool(provider: str, tool: str) -> Callable[[BuiltinFunction], BuiltinFunction]:
    def register(fn: BuiltinFunction) -> BuiltinFunction:
        key = (provider, tool)
        if key in _FUNCTIONS and _FUNCTIONS[key] is not fn:
            raise RuntimeError(f"builtin tool {provider}/{tool} registered twice")
        _FUNCTIONS[key] = fn
        return fn

    return register


def registered_functions() -> dict[tuple[str, str], BuiltinFunction]:
    from . import functions  # noqa: F401  (importing the package registers every function)

    return dict(_FUNCTIONS)


class ImageGenerator(Protocol):
    def __call__(self, prompt: str, *, model: str, size: str, n: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class BuiltinSettings:
    """Operator configuration the builtin tools read (base URLs of the third-party APIs)."""
    search_base_url: str = "https://html.duckduckgo.com"
    wikipedia_base_url: str = "https://en.wikipedia.org"
    weather_base_url: str = "https://api.openweathermap.org"
    image_model: str = "openai/dall-e-3"
    http_max_bytes: int = 2 * 1024 * 1024


@dataclass
class BuiltinContext:
    """What a builtin function may use. `http` vets every destination (user-supplied URLs);
    `api` is for the operator-configured third-party base URLs in `settings`."""
    http: OutboundHttpClient
    api: OutboundHttpClient
    settings: BuiltinSettings
    deadline: Deadline
    params: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    images: ImageGenerator | None = None

    def credential(self, name: str, provider_label: str) -> str:
        value = (self.credentials.get(name) or "").strip()
        if not value:
            raise ToolError(f"{provider_label} needs an API key: add it under the tool's credentials")
        return value

    def timeout(self, cap: float = 30.0) -> float:
        remaining = self.deadline.remaining()
        if remaining <= 0:
            raise ToolError("the tool ran out of time")
        return min(cap, remaining)
