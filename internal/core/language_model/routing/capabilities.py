"""What a deployment can do: tool calls, image input, JSON mode and its context window.

A deployment's own YAML (`features`, `context_window`) wins; otherwise the catalog entry of its
provider/model decides. JSON mode is not a catalog feature: OpenAI-protocol models with tool
calling offer `response_format` (OpenAI, DeepSeek, Moonshot, GLM, Qwen do); others must declare
`json_mode`. A capability nobody states is taken as absent: an upstream that rejects `tools`
answers 400, which neither retries nor falls back, so guessing would turn into client errors.
An unknown context window is not checked.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..catalog import LanguageModelCatalog
from ..deployment import Deployment
from .request_profile import JSON_MODE, TOOL_CALL, VISION, RouteRequest

FEATURE_NAMES = (TOOL_CALL, VISION, JSON_MODE, "agent_thought")
FEATURE_ALIASES = {"vision": VISION, "tools": TOOL_CALL, "json": JSON_MODE}
LABELS = {TOOL_CALL: "tool calls", VISION: "image input", JSON_MODE: "JSON mode"}
_JSON_PROTOCOLS = ("openai", "azure_openai")


@dataclass(frozen=True)
class Capabilities:
    features: frozenset[str]
    context_window: int  # 0: unknown

    def missing(self, req: RouteRequest) -> list[str]:
        """The requirements of `req` this deployment does not meet ("context" for the window)."""
        out = [f for f in req.needs if f not in self.features]
        if self.context_window and req.prompt_tokens + req.max_tokens > self.context_window:
            out.append("context")
        return out


def capabilities_of(dep: Deployment, catalog: LanguageModelCatalog) -> Capabilities:
    entity = catalog.get_model(dep.provider, dep.model)
    if dep.features is not None:
        features = frozenset(dep.features)
    else:
        features = frozenset(str(f) for f in entity.features) if entity else frozenset()
        if TOOL_CALL in features and dep.protocol in _JSON_PROTOCOLS:
            features |= {JSON_MODE}
    window = dep.context_window if dep.context_window is not None else (entity.context_window if entity else 0)
    return Capabilities(features, int(window or 0))
