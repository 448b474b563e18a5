"""The configuration a new app starts with (APP_DEFAULT_MODEL picks its model)."""
from __future__ import annotations

from dataclasses import dataclass

from injector import inject

from config import Config
from internal.core.language_model import LanguageModelCatalog
from internal.entity.app_entity import AppConfig, ModelConfig


@inject
@dataclass
class AppDefaults:
    conf: Config
    catalog: LanguageModelCatalog

    def model(self) -> ModelConfig:
        provider, _, model = self.conf.APP_DEFAULT_MODEL.partition("/")
        entity = self.catalog.get_model(provider, model)
        parameters = {p.name: p.default for p in entity.parameters if p.default is not None} if entity else {}
        return ModelConfig(provider=provider, model=model, parameters=parameters)

    def config(self) -> AppConfig:
        return AppConfig(model_config=self.model(), preset_prompt="", dialog_round=3)
