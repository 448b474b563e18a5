"""Checks an app configuration's references: the model against the language-model catalog,
every tool, dataset and workflow id against what the caller owns (DESIGN §4). Structure and
limits are checked by `AppConfig` itself (internal/entity/app_entity.py). Every failure is a
ValidateErrorException naming the field, e.g. `datasets.1: dataset not found`."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from injector import inject
from pydantic import ValidationError

from internal.core.language_model import LanguageModelCatalog
from internal.core.language_model.entities import ModelEntity, ModelParameter, ModelType
from internal.core.language_model.parameter_templates import DEFAULT_PARAMETER_TEMPLATES
from internal.entity.app_entity import AppConfig, AppStatus, ModelConfig
from internal.exception import NotFoundException, ValidateErrorException
from internal.model.app import App
from internal.model.dataset import Dataset
from internal.service.base_service import get_owned
from pkg.sqlalchemy import SQLAlchemy

from .references import ReferenceNotFound, ToolDirectory, WorkflowDirectory


def parse_config(data: dict[str, Any]) -> AppConfig:
    """dict → AppConfig, or a validate_error naming the first bad field."""
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        details = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in errors]
        raise ValidateErrorException(f"{details[0]['field']}: {details[0]['message']}",
                                     data={"errors": details}) from None


def _invalid(field: str, message: str) -> ValidateErrorException:
    return ValidateErrorException(f"{field}: {message}", data={"errors": [{"field": field, "message": message}]})


@inject
@dataclass
class DraftConfigValidator:
    db: SQLAlchemy
    catalog: LanguageModelCatalog
    tools: ToolDirectory
    workflows: WorkflowDirectory

    def check(self, account_id: uuid.UUID, config: AppConfig) -> None:
        self.check_model(config.language_model)
        for i, ref in enumerate(config.tools):
            try:
                self.tools.describe(account_id, ref)
            except ReferenceNotFound as exc:
                raise _invalid(f"tools.{i}", str(exc)) from None
        for i, dataset_id in enumerate(config.datasets):
            try:
                get_owned(self.db, Dataset, dataset_id, account_id)
            except NotFoundException:
                raise _invalid(f"datasets.{i}", "dataset not found") from None
        for i, app_id in enumerate(config.delegates):
            try:
                delegate = get_owned(self.db, App, app_id, account_id)
            except NotFoundException:
                delegate = None
            if delegate is None or delegate.status != AppStatus.PUBLISHED.value:
                raise _invalid(f"delegates.{i}", "published app not found")
        if config.delegates and config.agent_type != "supervisor":
            raise _invalid("delegates", "only a supervisor agent has delegates")
        for i, workflow_id in enumerate(config.workflows):
            try:
                self.workflows.describe_published(account_id, workflow_id)
            except ReferenceNotFound:
                raise _invalid(f"workflows.{i}", "published workflow not found") from None

    # -- model ----------------------------------------------------------------------------
    def check_model(self, mc: ModelConfig) -> None:
        provider = self.catalog.get_provider(mc.provider)
        if provider is None:
            raise _invalid("model_config.provider", f"unknown provider {mc.provider!r}")
        model = provider.get_model_entity(mc.model)
        if model is None and not provider.provider_entity.customizable_models:
            raise _invalid("model_config.model", f"unknown model {mc.model!r} of provider {mc.provider!r}")
        if model is not None and model.model_type != ModelType.CHAT:
            raise _invalid("model_config.model", f"{mc.model!r} is not a chat model")
        self._check_parameters(mc.parameters, model)

    @staticmethod
    def _check_parameters(values: dict[str, Any], model: ModelEntity | None) -> None:
        if model is not None:
            known = {p.name: p for p in model.parameters}
        else:  # a model the user configured on a customizable provider: the common parameters
            known = {name: ModelParameter(name=name, **spec) for name, spec in DEFAULT_PARAMETER_TEMPLATES.items()}
        for name, value in values.items():
            field = f"model_config.parameters.{name}"
            spec = known.get(name)
            if spec is None:
                raise _invalid(field, "unknown parameter for this model")
            if value is None:
                continue
            kind = spec.type.value
            if kind in ("float", "int"):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise _invalid(field, "must be a number")
                if kind == "int" and not float(value).is_integer():
                    raise _invalid(field, "must be an integer")
                if spec.min is not None and value < spec.min or spec.max is not None and value > spec.max:
                    raise _invalid(field, f"must be between {spec.min} and {spec.max}")
            elif kind == "boolean" and not isinstance(value, bool):
                raise _invalid(field, "must be true or false")
            elif kind == "string":
                if not isinstance(value, str) or len(value) > 1000:
                    raise _invalid(field, "must be a string of at most 1000 characters")
                if spec.options and value not in {o.value for o in spec.options}:
                    raise _invalid(field, "is not one of the allowed options")
