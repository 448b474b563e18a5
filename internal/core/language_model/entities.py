"""Typed entities of the provider/model catalog (pure data, no I/O)."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ModelType(StrEnum):
    CHAT = "chat"
    COMPLETION = "completion"
    EMBEDDING = "embedding"
    IMAGE = "image"  # /v1/images/generations


class ModelFeature(StrEnum):
    TOOL_CALL = "tool_call"
    AGENT_THOUGHT = "agent_thought"
    IMAGE_INPUT = "image_input"


class ModelParameterType(StrEnum):
    FLOAT = "float"
    INT = "int"
    STRING = "string"
    BOOLEAN = "boolean"


class ModelParameterOption(BaseModel):
    label: str
    value: Any


class ModelParameter(BaseModel):
    """One tunable parameter shown by the console (temperature, top_p, ...)."""

    name: str = ""
    label: str = ""
    type: ModelParameterType = ModelParameterType.STRING
    help: str = ""
    required: bool = False
    default: Any | None = None
    min: float | None = None
    max: float | None = None
    precision: int = 2
    options: list[ModelParameterOption] = Field(default_factory=list)


class Pricing(BaseModel):
    """Price of `unit` tokens, e.g. input=0.15, output=0.6, unit=1_000_000, currency=USD."""

    input: float = 0.0
    output: float = 0.0
    unit: int = 1_000_000
    currency: str = "USD"

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        if self.unit <= 0:
            return 0.0
        return round((prompt_tokens * self.input + completion_tokens * self.output) / self.unit, 10)


def console_model_id(model_name: str) -> str:
    """The id the console gets for a model: llmops-ui's model picker joins `provider/model` and
    splits on '/', so OpenRouter's `openai/gpt-4o-mini` becomes `openai__gpt-4o-mini` (the
    catalog's own file name for it). /v1 keeps the real names (issue 13)."""
    return model_name.replace("/", "__")


class ModelEntity(BaseModel):
    """A model in the catalog. Serialised for the console with `model_name` and its alias `model`."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model_name: str = Field(default="", alias="model")
    label: str = ""
    model_type: ModelType = ModelType.CHAT
    features: list[ModelFeature] = Field(default_factory=list)
    context_window: int = 0
    max_output_tokens: int = 0
    position: int = 0
    attributes: dict[str, Any] = Field(default_factory=dict)
    parameters: list[ModelParameter] = Field(default_factory=list)
    pricing: Pricing = Field(default_factory=Pricing)
    metadata: dict[str, Any] = Field(default_factory=dict)

    def to_console_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude={"position"})
        data["model"] = data["model_name"] = console_model_id(self.model_name)
        data["upstream_model"] = self.model_name  # the provider's real name (and /v1's)
        # the console reads pricing from metadata as well
        data["metadata"] = {**data.get("metadata", {}), "pricing": data["pricing"]}
        return data


class CredentialField(BaseModel):
    """One field of a provider's credential form (api_key, base_url, api_version...)."""

    name: str
    label: str = ""
    type: str = "secret"  # secret | text | url
    required: bool = False
    default: str | None = None
    placeholder: str = ""
    help: str = ""


class ProviderEntity(BaseModel):
    name: str = ""
    label: str = ""
    description: str = ""
    icon: str = ""
    background: str = "#FFFFFF"
    position: int = 0
    # how requests are spoken to the provider: openai | anthropic | azure_openai | local
    protocol: str = "openai"
    default_api_base: str | None = None
    supported_model_types: list[ModelType] = Field(default_factory=list)
    credential_schema: list[CredentialField] = Field(default_factory=list)
    # when true the catalog lists any model name the user configures (ollama, vllm, compatible)
    customizable_models: bool = False


class Provider(BaseModel):
    """A provider with its models, in catalog order."""

    provider_entity: ProviderEntity
    directory: str = ""
    model_entity_map: dict[str, ModelEntity] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.provider_entity.name

    @property
    def position(self) -> int:
        return self.provider_entity.position

    def get_model_entity(self, model_name: str) -> ModelEntity | None:
        """By real name or by console id (see console_model_id)."""
        entity = self.model_entity_map.get(model_name)
        if entity is None and "__" in model_name:
            entity = next((m for m in self.model_entity_map.values()
                           if console_model_id(m.model_name) == model_name), None)
        return entity

    def get_model_entities(self) -> list[ModelEntity]:
        return list(self.model_entity_map.values())

    def icon_path(self) -> str | None:
        import os

        if not self.provider_entity.icon:
            return None
        path = os.path.join(self.directory, "_assets", self.provider_entity.icon)
        return path if os.path.isfile(path) else None

    def to_console_dict(self) -> dict[str, Any]:
        pe = self.provider_entity
        return {
            "name": pe.name,
            "position": pe.position,
            "label": pe.label,
            "icon": pe.icon,
            "description": pe.description,
            "background": pe.background,
            "support_model_types": [t.value for t in pe.supported_model_types],
            "credential_schema": [c.model_dump() for c in pe.credential_schema],
            "models": [m.to_console_dict() for m in self.get_model_entities()],
        }
