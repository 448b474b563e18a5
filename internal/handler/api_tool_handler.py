"""Console /api-tools: custom API tool providers from OpenAPI documents (docs/tools.md)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.core.tools.api_tools import ApiSpec, OperationSpec
from internal.model.api_tool import ApiTool
from internal.schema.api_tool_schema import (
    ApiToolProviderListItemResp,
    ApiToolProviderResp,
    ApiToolResp,
    CreateApiToolProviderReq,
    GetApiToolProvidersWithPageReq,
    UpdateApiToolProviderReq,
    ValidateOpenAPISchemaReq,
)
from internal.schema.auth_schema import unix_seconds
from internal.service.api_tool import ApiToolService
from internal.service.api_tool.api_tool_service import ProviderView
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .validation import validate


def dump_tool_brief(tool: ApiTool) -> dict:
    op = OperationSpec.from_dict(tool.operation)
    return {"id": str(tool.id), "name": tool.name, "description": tool.description, "inputs": op.inputs()}


def dump_provider_item(view: ProviderView, tools: list[ApiTool]) -> dict:
    row = view.row
    return ApiToolProviderListItemResp(
        id=str(row.id), name=row.name, icon=row.icon, description=row.description, headers=view.headers,
        auth=view.auth, tools=[dump_tool_brief(t) for t in tools], created_at=unix_seconds(row.created_at),
    ).model_dump()


def dump_provider(view: ProviderView) -> dict:
    row = view.row
    return ApiToolProviderResp(
        id=str(row.id), name=row.name, icon=row.icon, description=row.description, openapi_schema=row.openapi_schema,
        headers=view.headers, auth=view.auth, created_at=unix_seconds(row.created_at),
        updated_at=unix_seconds(row.updated_at),
    ).model_dump()


def dump_spec_summary(spec: ApiSpec) -> dict:
    return {"dialect": spec.dialect, "description": spec.description, "server_url": spec.server_url,
            "tools": [{"name": op.name, "description": op.description, "method": op.method, "path": op.path,
                       "inputs": op.inputs()} for op in spec.operations]}


@inject
@dataclass
class ApiToolHandler:
    api_tool_service: ApiToolService

    @login_required
    @validate(body=ValidateOpenAPISchemaReq)
    def validate_openapi_schema(self, req: ValidateOpenAPISchemaReq):
        """Check an OpenAPI document and list the tools it would create (nothing is stored)."""
        return success_json(dump_spec_summary(self.api_tool_service.validate_openapi_schema(req.openapi_schema)))

    @login_required
    @validate(query=GetApiToolProvidersWithPageReq, response=ApiToolProviderListItemResp)
    def get_api_tool_providers_with_page(self, query: GetApiToolProvidersWithPageReq):
        rows, paginator = self.api_tool_service.get_providers_with_page(current_user.id, query)
        tools = self.api_tool_service.tools_of([r.id for r in rows])
        return success_json(page_data(rows, paginator, lambda r: dump_provider_item(
            self.api_tool_service.view(r), tools[r.id])))

    @login_required
    @validate(body=CreateApiToolProviderReq)
    def create_api_tool_provider(self, req: CreateApiToolProviderReq):
        view = self.api_tool_service.create_provider(current_user.id, req)
        return success_json({"id": str(view.row.id)})

    @login_required
    @validate(response=ApiToolProviderResp)
    def get_api_tool_provider(self, provider_id: str):
        return success_json(dump_provider(self.api_tool_service.view(
            self.api_tool_service.get_provider(current_user.id, provider_id))))

    @login_required
    @validate(body=UpdateApiToolProviderReq)
    def update_api_tool_provider(self, provider_id: uuid.UUID, req: UpdateApiToolProviderReq):
        self.api_tool_service.update_provider(current_user.id, provider_id, req)
        return success_message("API tool provider updated")

    @login_required
    def delete_api_tool_provider(self, provider_id: uuid.UUID):
        self.api_tool_service.delete_provider(current_user.id, provider_id)
        return success_message("API tool provider deleted")

    @login_required
    @validate(response=ApiToolResp)
    def get_api_tool(self, provider_id: uuid.UUID, tool_name: str):
        tool, view = self.api_tool_service.get_tool(current_user.id, provider_id, tool_name)
        op = OperationSpec.from_dict(tool.operation)
        row = view.row
        return success_json(ApiToolResp(
            id=str(tool.id), name=tool.name, description=tool.description, method=op.method, path=op.path,
            inputs=op.inputs(), input_schema=op.input_schema,
            provider={"id": str(row.id), "name": row.name, "icon": row.icon, "description": row.description,
                      "headers": view.headers},
        ).model_dump())
