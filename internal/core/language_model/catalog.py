"""Loads the provider/model catalog from `providers/<name>/provider.yaml` + `models/*.yaml`.

The catalog is pure data: it never needs credentials or network. It is loaded once and
then served from memory (`LanguageModelCatalog` is safe to share between threads).
"""
from __future__ import annotations

import os
from typing import Any

import yaml

from .entities import ModelEntity, Provider, ProviderEntity
from .parameter_templates import DEFAULT_PARAMETER_TEMPLATES

PROVIDERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "providers")


class CatalogError(ValueError):
    """The catalog data on disk is malformed."""


def _load_yaml(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _expand_parameters(raw: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    params = []
    for item in raw or []:
        item = dict(item)
        template = item.pop("use_template", None)
        if template:
            if template not in DEFAULT_PARAMETER_TEMPLATES:
                raise CatalogError(f"{where}: unknown parameter template {template!r}")
            item = {**DEFAULT_PARAMETER_TEMPLATES[template], "name": template, **item}
        params.append(item)
    return params


def load_provider(directory: str) -> Provider:
    provider_yaml = os.path.join(directory, "provider.yaml")
    data = _load_yaml(provider_yaml) or {}
    if not isinstance(data, dict):
        raise CatalogError(f"{provider_yaml}: expected a mapping")
    try:
        entity = ProviderEntity(**data)
    except Exception as e:  # pydantic.ValidationError
        raise CatalogError(f"{provider_yaml}: {e}") from e
    if entity.name != os.path.basename(directory):
        raise CatalogError(f"{provider_yaml}: name {entity.name!r} must equal its folder name")

    models: list[ModelEntity] = []
    models_dir = os.path.join(directory, "models")
    if os.path.isdir(models_dir):
        for filename in sorted(os.listdir(models_dir)):
            if not filename.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(models_dir, filename)
            raw = _load_yaml(path) or {}
            if not isinstance(raw, dict):
                raise CatalogError(f"{path}: expected a mapping")
            raw["parameters"] = _expand_parameters(raw.get("parameters") or [], path)
            try:
                models.append(ModelEntity(**raw))
            except Exception as e:
                raise CatalogError(f"{path}: {e}") from e
    models.sort(key=lambda m: (m.position, m.model_name))
    return Provider(
        provider_entity=entity,
        directory=directory,
        model_entity_map={m.model_name: m for m in models},
    )


class LanguageModelCatalog:
    """All providers and models, in display order."""

    def __init__(self, providers_dir: str = PROVIDERS_DIR) -> None:
        self.providers_dir = providers_dir
        providers = []
        for name in sorted(os.listdir(providers_dir)):
            path = os.path.join(providers_dir, name)
            if os.path.isdir(path) and os.path.isfile(os.path.join(path, "provider.yaml")):
                providers.append(load_provider(path))
        providers.sort(key=lambda p: (p.position, p.name))
        self._providers: dict[str, Provider] = {p.name: p for p in providers}

    def get_providers(self) -> list[Provider]:
        return list(self._providers.values())

    def get_provider(self, name: str) -> Provider | None:
        return self._providers.get(name)

    def get_model(self, provider: str, model: str) -> ModelEntity | None:
        p = self._providers.get(provider)
        return p.get_model_entity(model) if p else None

    def find_model(self, model: str) -> tuple[Provider, ModelEntity] | None:
        """Find a model by `provider/model` or by bare name (first provider that lists it)."""
        if "/" in model:
            provider, _, name = model.partition("/")
            p = self._providers.get(provider)
            if p and (m := p.get_model_entity(name)):
                return p, m
        for p in self._providers.values():
            if m := p.get_model_entity(model):
                return p, m
        return None


_default_catalog: LanguageModelCatalog | None = None


def default_catalog() -> LanguageModelCatalog:
    global _default_catalog
    if _default_catalog is None:
        _default_catalog = LanguageModelCatalog()
    return _default_catalog
