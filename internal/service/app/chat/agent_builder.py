"""An app configuration → the agent that answers a turn of it.

The model runs through the gateway (ChatModelFactory) with the account's own provider
credentials; the agent type follows the model's
features (tool calling → function calling, else ReAct); every tool and dataset reference is
resolved for the app's owner again (a reference removed since the config was saved fails the
turn with a clear message rather than calling something else)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from injector import inject

from config import Config
from internal.core.agent import AgentConfig, ChatModelSummariser, Delegate, ReviewConfig, agent_type_for, create_agent
from internal.core.agent.base import BaseAgent
from internal.core.language_model import LanguageModelCatalog
from internal.core.tools.base import Tool, ToolCallContext, ToolError, ToolNotFoundError, ToolRef, ToolType
from internal.entity.app_entity import AppConfig
from internal.exception import FailException, NotFoundException
from internal.model.app import App
from internal.service.base_service import get_owned
from internal.service.chat_model_factory import ChatModelFactory
from internal.service.tool.tool_resolver_service import ToolResolverService
from pkg.sqlalchemy import SQLAlchemy

from ..app_publish_service import AppPublishService


@dataclass
class BuiltAgent:
    agent: BaseAgent
    summariser: ChatModelSummariser | None


@inject
@dataclass
class AgentBuilder:
    conf: Config
    catalog: LanguageModelCatalog
    models: ChatModelFactory
    tools: ToolResolverService
    db: SQLAlchemy
    publishing: AppPublishService

    def build(self, account_id: uuid.UUID, config: AppConfig, extra_tools: Sequence[Tool] = ()) -> BuiltAgent:
        """`extra_tools`: the platform's own tools for this agent (the assistant's create_app)."""
        mc = config.language_model
        entity = self.catalog.get_model(mc.provider, mc.model)
        llm = self.models.chat_model(account_id, mc.provider, mc.model, mc.parameters)
        features = [str(f) for f in entity.features] if entity else []
        agent_config = AgentConfig(
            llm=llm, agent_type=agent_type_for(features) if config.agent_type == "auto" else config.agent_type,
            preset_prompt=config.preset_prompt,
            tools=[*self._tools(account_id, config), *extra_tools], max_iterations=self.conf.AGENT_MAX_ITERATIONS,
            timeout_s=self.conf.AGENT_TURN_TIMEOUT_SECONDS, dialog_round=config.dialog_round,
            long_term_memory=config.long_term_memory.enable,
            review=ReviewConfig.from_app_config(config.review_config.model_dump()),
            pricing=entity.pricing if entity else None)
        agent_config.delegates = self._delegates(account_id, config) if config.agent_type == "supervisor" else []
        summariser = ChatModelSummariser(llm) if config.long_term_memory.enable else None
        return BuiltAgent(create_agent(agent_config.agent_type, agent_config), summariser)

    def _delegates(self, account_id: uuid.UUID, config: AppConfig) -> list[Delegate]:
        """Each delegate app on its published config, one level deep (its own delegates are not
        followed: a delegate that is a supervisor runs as a function-calling agent)."""
        out = []
        for app_id in config.delegates:
            try:
                app = get_owned(self.db, App, app_id, account_id)
            except NotFoundException:
                app = None
            published = self.publishing.published_config(app) if app is not None else None
            if published is None:
                raise FailException(f"the app's delegate {app_id} is no longer published")
            flat = published.model_copy(update={"delegates": [], "agent_type": "auto" if published.agent_type ==
                                                "supervisor" else published.agent_type})
            out.append(Delegate(name=f"app_{app.id.hex}", description=app.description or f"the app {app.name}",
                                config=self.build(account_id, flat).agent.config))
        return out

    def _tools(self, account_id: uuid.UUID, config: AppConfig) -> list[Tool]:
        ctx = ToolCallContext(account_id=account_id)
        refs = [ToolRef(type=t.type, provider_id=t.provider_id, tool_id=t.tool_id, params=t.params)
                for t in config.tools]
        refs += [ToolRef(type=ToolType.WORKFLOW, provider_id=str(w)) for w in config.workflows]  # published ones
        if config.datasets:
            rc = config.retrieval_config
            refs.append(ToolRef(type=ToolType.DATASET, provider_id=str(config.datasets[0]), params={
                "dataset_ids": [str(d) for d in config.datasets[1:]], "retrieval_strategy": rc.retrieval_strategy.value,
                "k": max(1, rc.k), "score": rc.score}))
        out: list[Tool] = []
        for ref in refs:
            try:
                out.append(self.tools.resolve(ref, ctx))
            except ToolNotFoundError:
                raise FailException(f"the app's {_what(ref)} is no longer available; update the app's configuration") from None
            except ToolError as exc:
                raise FailException(f"the app's {_what(ref)} cannot be used: {exc}") from None
        return out


def _what(ref: ToolRef) -> str:
    if ref.type == ToolType.DATASET:
        return "datasets"
    return f"workflow {ref.provider_id}" if ref.type == ToolType.WORKFLOW else f"tool {ref.provider_id}/{ref.tool_id}"
