"""MCP servers of an account (docs/tools.md, "MCP servers"): connect and list tools when added,
refresh on demand, and build callable tools. Network work (connect, list) happens before the
transaction, so no database connection is held while a remote server is slow."""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from config import Config
from internal.core.tools.base import ToolLimits
from internal.core.tools.mcp import McpClient, McpConnectError, McpServerInfo, McpTool, McpTransport
from internal.exception import ConflictException, NotFoundException, ValidateErrorException
from internal.model.base import utcnow
from internal.model.mcp_server import McpServer
from internal.schema.mcp_server_schema import CreateMcpServerReq, GetMcpServersWithPageReq
from internal.service.api_tool.secrets import masked_headers, merge_headers
from internal.service.base_service import get_owned
from pkg.crypto import Encryptor
from pkg.paginator import Paginator
from pkg.sqlalchemy import SQLAlchemy

NAME_TAKEN = "an MCP server with this name already exists"
NOT_FOUND = "MCP server not found"


@dataclass(frozen=True)
class McpServerView:
    row: McpServer
    headers: list[dict[str, str]]  # masked


@inject
@dataclass
class McpServerService:
    db: SQLAlchemy
    conf: Config
    encryptor: Encryptor
    client: McpClient

    # -- secrets -------------------------------------------------------------------------------
    def stored_headers(self, row: McpServer) -> list[tuple[str, str]]:
        items = json.loads(self.encryptor.decrypt(row.encrypted_headers)) if row.encrypted_headers else []
        return [(h["key"], h["value"]) for h in items]

    def view(self, row: McpServer) -> McpServerView:
        return McpServerView(row, masked_headers(self.stored_headers(row)))

    def _write(self, row: McpServer, headers: list[tuple[str, str]], info: McpServerInfo) -> None:
        row.encrypted_headers = self.encryptor.encrypt(json.dumps([{"key": k, "value": v} for k, v in headers]))
        row.transport, row.server_name = info.transport.value, info.server_name[:255]
        row.tools = [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in info.tools]
        row.refreshed_at = utcnow()

    def _discover(self, url: str, headers: list[tuple[str, str]], prefer: str | None = None) -> McpServerInfo:
        try:
            return self.client.discover(url, dict(headers), self.conf.MCP_CONNECT_TIMEOUT_SECONDS,
                                        McpTransport(prefer) if prefer else None)
        except McpConnectError as exc:
            raise ValidateErrorException(f"url: {exc}") from None

    # -- CRUD ----------------------------------------------------------------------------------
    def get_server(self, account_id: uuid.UUID, server_id) -> McpServer:
        return get_owned(self.db, McpServer, server_id, account_id, NOT_FOUND)

    def _count(self, account_id: uuid.UUID, name: str | None = None, exclude: uuid.UUID | None = None) -> int:
        stmt = select(func.count()).select_from(McpServer).where(McpServer.account_id == account_id)
        if name is not None:
            stmt = stmt.where(McpServer.name == name)
        if exclude is not None:
            stmt = stmt.where(McpServer.id != exclude)
        return int(self.db.session.scalar(stmt) or 0)

    def create_server(self, account_id: uuid.UUID, req: CreateMcpServerReq) -> McpServerView:
        if self._count(account_id, req.name):
            raise ConflictException(NAME_TAKEN)
        if self._count(account_id) >= self.conf.MCP_MAX_SERVERS_PER_ACCOUNT:
            raise ValidateErrorException(f"an account may connect at most {self.conf.MCP_MAX_SERVERS_PER_ACCOUNT} MCP servers")
        headers = [(h.key, h.value) for h in req.headers]
        self.db.session.rollback()  # end the read transaction: the server may take seconds to answer
        info = self._discover(req.url, headers)
        row = McpServer(account_id=account_id, name=req.name, icon=req.icon, description=req.description, url=req.url)
        self._write(row, headers, info)
        try:
            with self.db.auto_commit():
                self.db.session.add(row)
        except IntegrityError:  # a concurrent create with the same name won
            raise ConflictException(NAME_TAKEN) from None
        return self.view(row)

    def update_server(self, account_id: uuid.UUID, server_id, req: CreateMcpServerReq) -> McpServerView:
        row = self.get_server(account_id, server_id)
        if self._count(account_id, req.name, exclude=row.id):
            raise ConflictException(NAME_TAKEN)
        headers = merge_headers([(h.key, h.value) for h in req.headers], self.stored_headers(row))
        prefer = row.transport if req.url == row.url else None
        self.db.session.rollback()
        info = self._discover(req.url, headers, prefer)
        row = self.get_server(account_id, server_id)  # it may have been deleted meanwhile
        try:
            with self.db.auto_commit():
                row.name, row.icon, row.description, row.url = req.name, req.icon, req.description, req.url
                self._write(row, headers, info)
        except IntegrityError:
            raise ConflictException(NAME_TAKEN) from None
        return self.view(row)

    def refresh_server(self, account_id: uuid.UUID, server_id) -> McpServerView:
        row = self.get_server(account_id, server_id)
        url, headers, prefer = row.url, self.stored_headers(row), row.transport
        self.db.session.rollback()
        info = self._discover(url, headers, prefer)
        row = self.get_server(account_id, server_id)
        with self.db.auto_commit():
            self._write(row, headers, info)
        return self.view(row)

    def delete_server(self, account_id: uuid.UUID, server_id) -> None:
        row = self.get_server(account_id, server_id)
        with self.db.auto_commit():
            self.db.session.delete(row)

    def get_servers_with_page(self, account_id: uuid.UUID, req: GetMcpServersWithPageReq
                              ) -> tuple[Sequence[McpServer], Paginator]:
        stmt = select(McpServer).where(McpServer.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(func.lower(McpServer.name).contains(req.search_word.lower(), autoescape=True))
        stmt = stmt.order_by(McpServer.created_at.desc(), McpServer.id)
        return Paginator.paginate(self.db.session, stmt, req)

    # -- tools ---------------------------------------------------------------------------------
    @staticmethod
    def find_tool(row: McpServer, tool_name: str) -> dict[str, Any]:
        for tool in row.tools or []:
            if tool.get("name") == tool_name:
                return tool
        raise NotFoundException("MCP tool not found")

    def build_tool(self, account_id: uuid.UUID, server_id, tool_name: str, limits: ToolLimits | None = None) -> McpTool:
        """The callable tool (from the cached list; refresh re-reads it); NotFoundException for unknown
        ids and other tenants' ids alike."""
        with self.db.auto_commit():  # a read-only transaction, ended before the remote call
            row = self.get_server(account_id, server_id)
            tool = self.find_tool(row, tool_name)
            url, headers, transport = row.url, dict(self.stored_headers(row)), McpTransport(row.transport)
        limits = limits or ToolLimits()
        timeout = min(limits.timeout_s, self.conf.MCP_CALL_TIMEOUT_SECONDS)
        return McpTool(self.client, url=url, headers=headers, transport=transport, name=tool["name"],
                       description=tool.get("description", ""), input_schema=tool.get("input_schema") or {"type": "object"},
                       limits=ToolLimits(timeout_s=timeout, max_result_chars=limits.max_result_chars))
