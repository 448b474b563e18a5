"""The MCP server (issue 11 §6): every published app of the API key's account is an MCP tool.

The official SDK's server side is ASGI, and the web server is gunicorn + gevent (where asyncio
cannot run), so this is its own process (`python -m app.mcp`, uvicorn) beside gunicorn, routed
at /mcp by nginx, sharing the composition root (`create_app`): the same services, database and
Redis. Transports: streamable HTTP at `/mcp` (the current protocol) and the legacy HTTP+SSE
transport at `/mcp/sse` (+ `/mcp/messages/`). Every HTTP request needs `Authorization: Bearer
<API key>` (401 otherwise). Blocking work (the key check, the app lookups, an app's turn) runs
on worker threads inside the Flask app context; errors a client sees are generic.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.sse import SseServerTransport
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from internal.core.streaming.channel import TaskOwner
from internal.exception import CustomException
from internal.service.app.chat.app_models import AppModelService, collect_turn
from internal.service.app.chat.chat_turns import ChatTurns
from internal.service.openai_gateway_service import OpenAIGatewayService

log = logging.getLogger(__name__)
TOOL_PREFIX = "app_"
INPUT_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["message"],
                "properties": {"message": {"type": "string", "minLength": 1, "maxLength": 8000,
                                           "description": "What to ask the app"}}}
STATE_KEY = "llmops_account_id"


def tool_name(app_id: str) -> str:
    return TOOL_PREFIX + uuid.UUID(app_id).hex  # [a-z0-9_], 36 characters


class AppTools:
    """tools/list and tools/call over the platform's services (sync, run on worker threads)."""

    def __init__(self, flask_app) -> None:
        self.flask_app = flask_app
        self.injector = flask_app.extensions["injector"]

    def authenticate(self, raw_key: str) -> uuid.UUID | None:
        with self.flask_app.app_context():
            try:
                return self.injector.get(OpenAIGatewayService).authenticate(raw_key).account_id
            except CustomException:
                return None

    def list(self, account_id: uuid.UUID) -> list[types.Tool]:
        with self.flask_app.app_context():
            models = self.injector.get(AppModelService).models(account_id)
        return [types.Tool(name=tool_name(m["id"].removeprefix("app-")), title=m["name"],
                           description=f"Ask the AI app “{m['name']}” (LLMOps); answers in text.",
                           input_schema=INPUT_SCHEMA) for m in models]

    def call(self, account_id: uuid.UUID, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        message = arguments.get("message")
        if not name.startswith(TOOL_PREFIX) or not isinstance(message, str) or not message.strip():
            return _error("unknown tool or missing message")
        try:
            app_id = uuid.UUID(hex=name[len(TOOL_PREFIX):])
        except ValueError:
            return _error("unknown tool or missing message")
        with self.flask_app.app_context():
            target = self.injector.get(AppModelService).find(account_id, f"app-{app_id}")
            if target is None:
                return _error("unknown tool or missing message")
            turns = self.injector.get(ChatTurns)
            try:
                started = turns.start_stateless(target.app.account_id, target.config, [], message[:8000],
                                                TaskOwner.account(account_id))
            except CustomException:
                log.warning("MCP call of app %s could not start", app_id, exc_info=True)
                return _error("the app could not answer")
        answer, _usage, error, _steps = collect_turn(turns.events(started))
        if error:
            return _error("the app could not answer")
        return types.CallToolResult(content=[types.TextContent(type="text", text=answer)])


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def _account(ctx) -> uuid.UUID:
    request = getattr(ctx, "request", None)
    account_id = request.scope.get("state", {}).get(STATE_KEY) if request is not None else None
    if account_id is None:  # the auth middleware let nothing through without one
        raise PermissionError("unauthenticated")
    return account_id


def build_asgi(flask_app, allowed_hosts: list[str]):
    tools = AppTools(flask_app)

    async def on_list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=await anyio.to_thread.run_sync(tools.list, _account(ctx)))

    async def on_call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await anyio.to_thread.run_sync(tools.call, _account(ctx), params.name, params.arguments or {})

    server = Server("llmops", version="1", instructions="Each tool is one of your published LLMOps apps.",
                    on_list_tools=on_list_tools, on_call_tool=on_call_tool)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", *allowed_hosts],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*",
                         *(f"https://{h}" for h in allowed_hosts)])
    sse = SseServerTransport("/mcp/messages/", security_settings=security)

    async def handle_sse(request: Request) -> Response:
        async with sse.connect_sse(request.scope, request.receive, request._send) as streams:
            await server.run(streams[0], streams[1], server.create_initialization_options())
        return Response()

    asgi = server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, transport_security=security,
        custom_starlette_routes=[Route("/mcp/sse", endpoint=handle_sse, methods=["GET"]),
                                 Mount("/mcp/messages/", app=sse.handle_post_message)])
    return ApiKeyGate(asgi, tools)


class ApiKeyGate:
    """ASGI middleware: every HTTP request carries a valid API key, else 401 (generic text)."""

    def __init__(self, app, tools: AppTools) -> None:
        self.app, self.tools = app, tools

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, key = raw.partition(" ")
        account_id = await anyio.to_thread.run_sync(self.tools.authenticate, key.strip()) \
            if scheme.lower() == "bearer" and key.strip() else None
        if account_id is None:
            response = JSONResponse({"error": "unauthorized: send a valid API key as Authorization: Bearer <key>"},
                                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
            return await response(scope, receive, send)
        scope.setdefault("state", {})[STATE_KEY] = account_id
        return await self.app(scope, receive, send)
