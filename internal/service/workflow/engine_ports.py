"""The platform behind the workflow engine's ports (internal/core/workflow/ports.py): the model
gateway for LLM nodes, the dataset service for retrieval (tenant-checked), the SSRF-guarded
outbound client for HTTP nodes, the code sandbox for code nodes. Tools go through
ToolResolverService as they are (it already is the engine's ToolResolver)."""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from langchain_core.language_models import BaseChatModel

from internal.core.language_model import LanguageModelCatalog
from internal.core.workflow.entities.nodes import ModelConfig
from internal.core.workflow.ports import (
    CallerInfo,
    CodeLimits,
    HttpCall,
    HttpReply,
    PortError,
    RetrievalQuery,
    RetrievedChunk,
)
from internal.entity.dataset_entity import RetrievalSource
from internal.exception import CustomException
from internal.service.chat_model_factory import ChatModelFactory
from internal.service.dataset_service import DatasetService
from pkg.sandbox import CodeSandbox
from pkg.sandbox.errors import SandboxError
from pkg.ssrf import OutboundError, OutboundHttpClient, OutboundTimeout

from .app_scope import AppScope


def _account(caller: CallerInfo) -> uuid.UUID:
    try:
        return uuid.UUID(str(caller.account_id))
    except ValueError:
        raise PortError("the run has no valid account") from None


class GatewayChatModels:
    """LLM, classifier and extractor nodes call models through the gateway (routing, fallbacks,
    rate limits, usage records) with the account's own provider credentials: the platform's
    ChatModelFactory (shared with agents and the AI helpers), plus the catalog's price."""

    def __init__(self, factory: ChatModelFactory, catalog: LanguageModelCatalog, scope: AppScope):
        self.factory, self.catalog, self.scope = factory, catalog, scope

    def create(self, config: ModelConfig, caller: CallerInfo) -> BaseChatModel:
        if not config.provider or not config.model:
            raise PortError("choose a model for this node")
        with self.scope():  # the account's credentials are read from the database
            return self.factory.chat_model(_account(caller), config.provider, config.model, config.parameters)

    def price(self, config: ModelConfig, input_tokens: int, output_tokens: int) -> float:
        entity = self.catalog.get_model(config.provider, config.model)
        return entity.pricing.cost(input_tokens, output_tokens) if entity is not None else 0.0


class DatasetRetrieverPort:
    def __init__(self, datasets: DatasetService, scope: AppScope):
        self.datasets, self.scope = datasets, scope

    def retrieve(self, query: RetrievalQuery) -> list[RetrievedChunk]:
        try:
            with self.scope():
                hits = self.datasets.retrieve(_account(query.caller), list(query.dataset_ids), query.query,
                                              query.strategy, query.k, query.score, source=RetrievalSource.APP.value)
                return [RetrievedChunk(content=s.content, score=float(score), dataset_id=str(s.dataset_id),
                                       document_id=str(s.document_id), segment_id=str(s.id)) for s, score in hits]
        except CustomException as exc:  # other tenants' datasets are "not found" here too
            raise PortError(exc.message) from None


class GuardedHttpPort:
    """The HTTP node through the one SSRF guard: private and metadata addresses refused (also
    after redirects), the node's timeout, a response size cap."""

    def __init__(self, client: OutboundHttpClient):
        self.client = client

    def request(self, call: HttpCall) -> HttpReply:
        try:
            response = self.client.request(call.method, call.url, params=call.params or None,
                                           headers=call.headers or None, json=call.json_body,
                                           timeout=call.timeout_s, max_bytes=call.max_response_bytes)
        except OutboundTimeout as exc:  # the node's limit, named so the user knows which setting to raise
            raise PortError(f"{exc} (the node's timeout is {call.timeout_s:g} s)") from None
        except OutboundError as exc:  # refused address, unreachable host
            raise PortError(str(exc)) from None
        if response.truncated:
            raise PortError(f"the response is larger than {call.max_response_bytes} bytes")
        return HttpReply(response.status_code, response.content.decode(response.encoding or "utf-8", "replace"))


class SandboxCodeRunner:
    """Code nodes run in pkg/sandbox (bubblewrap + seccomp + rlimits), never in this process;
    no sandbox here means the node fails with the sandbox's reason (never runs unsandboxed)."""

    def __init__(self, sandbox: CodeSandbox):
        self.sandbox = sandbox

    def run(self, code: str, inputs: dict[str, Any], limits: CodeLimits) -> dict[str, Any]:
        base = self.sandbox.settings.limits
        own = dataclasses.replace(base, wall_seconds=max(0.1, min(base.wall_seconds, limits.timeout_s)))
        try:
            return self.sandbox.run(code, inputs, own)
        except SandboxError as exc:
            raise PortError(exc.message) from None
