"""ToolDirectory over the tools layer: a tool reference in an app config is usable when the
ToolResolverService resolves it for the caller (ownership and form params checked there), and
is shown with its provider's catalog entry (label, icon URL, description)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject
from pydantic import ValidationError

from config import Config
from internal.core.tools.base import ToolCallContext, ToolError, ToolNotFoundError, ToolRef, ToolType
from internal.core.tools.builtin import BuiltinCatalog
from internal.entity.app_entity import ToolConfig
from internal.model.api_tool import ApiToolProvider
from internal.service.base_service import get_owned
from internal.service.tool.tool_resolver_service import ToolResolverService
from pkg.sqlalchemy import SQLAlchemy

from .public_urls import public_url
from .references import ReferenceNotFound, ToolView


@inject
@dataclass
class ConsoleToolDirectory:
    db: SQLAlchemy
    conf: Config
    resolver: ToolResolverService
    builtin_catalog: BuiltinCatalog

    def describe(self, account_id: uuid.UUID, ref: ToolConfig) -> ToolView:
        try:
            tool = self.resolver.resolve(ToolRef(type=ref.type, provider_id=ref.provider_id, tool_id=ref.tool_id,
                                                 params=ref.params), ToolCallContext(account_id=account_id))
        except ToolNotFoundError:
            raise ReferenceNotFound(f"tool {ref.provider_id}/{ref.tool_id} not found") from None
        except ToolError as exc:  # e.g. a form param out of range: the message is safe to show
            raise ReferenceNotFound(str(exc)) from None
        except ValidationError:
            raise ReferenceNotFound("invalid tool reference") from None
        if ref.type == ToolType.BUILTIN.value and (found := self.builtin_catalog.tool(ref.provider_id, ref.tool_id)):
            p, t = found
            return ToolView(type=ref.type, provider={
                "id": p.name, "name": p.name, "label": p.label.zh,
                "icon": public_url(self.conf, f"/builtin-tools/{p.name}/icon"), "description": p.description.zh,
            }, tool={"id": t.name, "name": t.name, "label": t.label.zh, "description": t.description.zh,
                     "params": dict(ref.params)})
        if ref.type == ToolType.API.value:  # the caller's provider (the resolver has just checked it)
            p = get_owned(self.db, ApiToolProvider, ref.provider_id, account_id)
            return ToolView(type=ref.type, provider={"id": str(p.id), "name": p.name, "label": p.name,
                                                     "icon": p.icon, "description": p.description},
                            tool={"id": ref.tool_id, "name": ref.tool_id, "label": ref.tool_id,
                                  "description": tool.description, "params": dict(ref.params)})
        # other kinds (MCP tools) until their layers offer a catalog entry: what the tool says
        return ToolView(type=ref.type, provider={"id": ref.provider_id, "name": ref.provider_id,
                                                 "label": ref.provider_id, "icon": "", "description": ""},
                        # name = the reference's tool id: the console posts tool.name back as tool_id
                        tool={"id": ref.tool_id, "name": ref.tool_id, "label": ref.tool_id,
                              "description": tool.description, "params": dict(ref.params)})
