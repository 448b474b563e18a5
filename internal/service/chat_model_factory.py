"""LangChain chat models for the platform's own features (agents, AI helpers, workflow nodes):
each runs through the gateway (`RoutedChatModel`: routing, retries, usage and cost rows as on
/v1) with the calling account's provider credentials."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.language_model.gateway import CallContext, LanguageModelGateway
from internal.core.language_model.langchain_chat import RoutedChatModel
from internal.service.language_model_service import LanguageModelService

_MODEL_FIELDS = ("temperature", "top_p", "max_tokens")


@inject
@dataclass
class ChatModelFactory:
    gateway: LanguageModelGateway
    language_models: LanguageModelService

    def chat_model(self, account_id: uuid.UUID, provider: str, model: str,
                   parameters: dict[str, Any] | None = None) -> RoutedChatModel:
        context = CallContext(account_id=str(account_id),
                              credentials=self.language_models.credentials_for(account_id) or None)
        params = {k: v for k, v in (parameters or {}).items() if v is not None}
        return RoutedChatModel(gateway=self.gateway, model=f"{provider}/{model}", context=context,
                               **{k: params.pop(k) for k in _MODEL_FIELDS if k in params}, model_kwargs=params)
