"""ToolType.BUILTIN: provider name + tool name -> a BuiltinTool with the call site's form params,
the account's credentials for the provider, the shared outbound clients and the image gateway."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.language_model import CallContext, LanguageModelGateway
from internal.core.language_model.errors import LLMError
from internal.core.tools.base import Deadline, Tool, ToolCallContext, ToolError, ToolLimits, ToolNotFoundError, ToolRef
from internal.core.tools.builtin import BuiltinCatalog, BuiltinContext, BuiltinSettings, BuiltinTool
from internal.core.tools.http_clients import ToolHttpClients
from internal.service.language_model_service import LanguageModelService
from internal.service.tool.builtin_tool_service import BuiltinToolService


@inject
@dataclass
class BuiltinToolSource:
    catalog: BuiltinCatalog
    settings: BuiltinSettings
    clients: ToolHttpClients
    credentials: BuiltinToolService
    gateway: LanguageModelGateway
    language_models: LanguageModelService

    def resolve(self, ref: ToolRef, ctx: ToolCallContext, limits: ToolLimits) -> Tool:
        found = self.catalog.tool(ref.provider_id, ref.tool_id)
        if found is None:
            raise ToolNotFoundError(f"builtin tool {ref.provider_id}/{ref.tool_id} not found")
        provider, spec = found
        try:
            params = self.catalog.check_params(provider.name, spec.name, ref.params)
        except ValueError as e:
            raise ToolError(f"{provider.name}/{spec.name}: {e}") from None
        creds = self.credentials.credentials_for(ctx.account_id, provider.name) if provider.credentials else {}

        def make_context(deadline: Deadline) -> BuiltinContext:
            return BuiltinContext(http=self.clients.guarded, api=self.clients.trusted, settings=self.settings,
                                  deadline=deadline, params=params, credentials=creds,
                                  images=lambda prompt, **kw: self._images(ctx, prompt, **kw))

        return BuiltinTool(spec.name, spec.description.en, self.catalog.schema(provider.name, spec.name),
                           self.catalog.function(provider.name, spec.name), make_context, limits,
                           self.catalog.validator(provider.name, spec.name))

    def _images(self, ctx: ToolCallContext, prompt: str, *, model: str, size: str, n: int) -> list[dict[str, Any]]:
        call = CallContext(account_id=str(ctx.account_id),
                           credentials=self.language_models.credentials_for(ctx.account_id) or None)
        try:
            data = self.gateway.images({"model": model, "prompt": prompt, "size": size, "n": n,
                                        "response_format": "url"}, call)
        except LLMError as e:
            raise ToolError(f"image generation failed: {e.message}") from None
        return list(data.get("data") or [])
