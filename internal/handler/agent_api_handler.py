"""The third-party agent API under /v1 (API key, plain JSON, real status codes, OpenAI-style error
JSON): agents (apps created and published in one call), one-off tasks, chat sessions (blocking
or SSE) and their history. Same request-taking signature as the /v1 gateway handlers, so the API
lane serves the routes without path parameters."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject
from werkzeug.wrappers import Request

from internal.handler.openai_handler import Reply, json_reply, request_json, sse_reply
from internal.handler.validation import document, parse_model
from internal.middleware.middleware import bearer_token
from internal.schema.agent_api_schema import (
    AgentChatReq,
    AgentChatResp,
    AgentListResp,
    AgentResp,
    ChatHistoryReq,
    ChatHistoryResp,
    CreateAgentReq,
    ExecuteAgentReq,
    ExecuteAgentResp,
)
from internal.schema.auth_schema import unix_seconds
from internal.service.app.chat.agent_api_service import AgentApiService, dump_agent
from internal.service.openai_gateway_service import OpenAIGatewayService


def _thought(t) -> dict:
    return {"event": t.event, "thought": t.thought, "tool": t.tool, "tool_input": t.tool_input or {},
            "observation": t.observation, "latency": t.latency}


@inject
@dataclass
class AgentApiHandler:
    gateway_service: OpenAIGatewayService
    agents: AgentApiService

    def _account(self, req: Request) -> uuid.UUID:
        return self.gateway_service.authenticate(bearer_token(req)).account_id

    @document(body=CreateAgentReq, response=AgentResp, statuses={201: "Created (and published)", 404: "A dataset or tool is not found"})
    def create_agent(self, req: Request) -> Reply:
        """Create an agent (an app, published at once)."""
        account_id = self._account(req)
        body, status, headers = json_reply(dump_agent(self.agents.create(account_id, parse_model(CreateAgentReq, request_json(req)))))
        return body, 201, headers

    @document(response=AgentListResp)
    def list_agents(self, req: Request) -> Reply:
        """The key's agents (every app of its account)."""
        return json_reply({"object": "list", "data": [dump_agent(a) for a in self.agents.list(self._account(req))]})

    @document(response=AgentResp)
    def get_agent(self, req: Request, agent_id: str) -> Reply:
        return json_reply(dump_agent(self.agents.get(self._account(req), agent_id)))

    @document(body=ExecuteAgentReq, response=ExecuteAgentResp, gateway=True)
    def execute_agent(self, req: Request, agent_id: str) -> Reply:
        """One task, blocking, no session."""
        account_id = self._account(req)
        return json_reply(self.agents.execute(account_id, agent_id, parse_model(ExecuteAgentReq, request_json(req))))

    @document(body=AgentChatReq, response=AgentChatResp, gateway=True)
    def chat(self, req: Request) -> Reply:
        """A turn of a session (new when `session_id` is absent), blocking."""
        account_id = self._account(req)
        session_id, message, thoughts = self.agents.chat_blocking(account_id, parse_model(AgentChatReq, request_json(req)))
        usage = {"prompt_tokens": message.message_token_count, "completion_tokens": message.answer_token_count,
                 "total_tokens": message.total_token_count}
        return json_reply({"session_id": session_id, "message_id": str(message.id), "answer": message.answer,
                      "status": message.status, "thoughts": [_thought(t) for t in thoughts], "usage": usage})

    @document(body=AgentChatReq, produces=("text/event-stream",), gateway=True)
    def chat_stream(self, req: Request) -> Reply:
        """A turn of a session as SSE: `thought`, `message`, `error`, then `done` with the session id."""
        account_id = self._account(req)
        return sse_reply(self.agents.chat_stream(account_id, parse_model(AgentChatReq, request_json(req))))

    @document(query=ChatHistoryReq, response=ChatHistoryResp, statuses={404: "The session is not found (or another account's)"})
    def chat_history(self, req: Request) -> Reply:
        account_id = self._account(req)
        query = parse_model(ChatHistoryReq, req.args.to_dict(), root="query")
        conversation, messages = self.agents.history(account_id, query.session_id)
        return json_reply({"session_id": str(conversation.id), "agent_id": str(conversation.app_id), "messages": [
            {"message_id": str(m.id), "message": m.query, "answer": m.answer, "status": m.status,
             "created_at": unix_seconds(m.created_at)} for m in messages]})
