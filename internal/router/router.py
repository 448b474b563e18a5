"""The one route table. One blueprint per surface (DESIGN §1); the blueprint name is the
surface name, which decides authentication (middleware) and error rendering (error_handlers).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, request
from injector import inject

from internal.entity.surface import Surface
from internal.handler.account_handler import AccountHandler
from internal.handler.agent_api_handler import AgentApiHandler
from internal.handler.ai_handler import AiHandler
from internal.handler.api_key_handler import ApiKeyHandler
from internal.handler.api_tool_handler import ApiToolHandler
from internal.handler.app.analysis_handler import AnalysisHandler
from internal.handler.app.app_handler import AppHandler
from internal.handler.app.assistant_agent_handler import AssistantAgentHandler
from internal.handler.app.builtin_app_handler import BuiltinAppHandler
from internal.handler.app.chat_handler import ChatHandler
from internal.handler.app.conversation_handler import ConversationHandler
from internal.handler.app.web_app_handler import WebAppHandler
from internal.handler.auth_handler import AuthHandler
from internal.handler.builtin_tool_handler import BuiltinToolHandler
from internal.handler.dataset_handler import DatasetHandler
from internal.handler.document_handler import DocumentHandler
from internal.handler.language_model_handler import LanguageModelHandler
from internal.handler.mcp_server_handler import McpServerHandler
from internal.handler.oauth_handler import OAuthHandler
from internal.handler.openai_handler import OpenAIHandler
from internal.handler.ops_handler import OpsHandler
from internal.handler.ping_handler import PingHandler
from internal.handler.segment_handler import SegmentHandler
from internal.handler.upload_file_handler import UploadFileHandler
from internal.handler.workflow.openapi_workflow_handler import OpenApiWorkflowHandler
from internal.handler.workflow.workflow_handler import WorkflowHandler
from internal.router.api_tool_routes import add_api_tool_routes
from internal.router.app_routes import register_app_routes
from internal.router.mcp_server_routes import add_mcp_server_routes
from internal.router.tool_routes import builtin_tool_routes
from internal.router.workflow_routes import register_openapi_workflow_routes, register_workflow_routes


@inject
@dataclass
class Router:
    ping_handler: PingHandler
    ops_handler: OpsHandler
    auth_handler: AuthHandler
    oauth_handler: OAuthHandler
    account_handler: AccountHandler
    api_key_handler: ApiKeyHandler
    upload_file_handler: UploadFileHandler
    language_model_handler: LanguageModelHandler
    openai_handler: OpenAIHandler
    dataset_handler: DatasetHandler
    document_handler: DocumentHandler
    segment_handler: SegmentHandler
    app_handler: AppHandler
    conversation_handler: ConversationHandler
    web_app_handler: WebAppHandler
    builtin_app_handler: BuiltinAppHandler
    analysis_handler: AnalysisHandler
    chat_handler: ChatHandler
    ai_handler: AiHandler
    agent_api_handler: AgentApiHandler
    assistant_agent_handler: AssistantAgentHandler
    builtin_tool_handler: BuiltinToolHandler
    api_tool_handler: ApiToolHandler
    mcp_server_handler: McpServerHandler
    workflow_handler: WorkflowHandler
    openapi_workflow_handler: OpenApiWorkflowHandler

    def register_router(self, app: Flask) -> None:
        for blueprint in (self.console(), self.openapi(), self.openai(), self.ops()):
            app.register_blueprint(blueprint)

    def console(self) -> Blueprint:
        bp = Blueprint(Surface.CONSOLE.value, __name__)
        # auth, oauth, account (docs/auth.md)
        bp.add_url_rule("/auth/password-login", methods=["POST"], view_func=self.auth_handler.password_login)
        bp.add_url_rule("/auth/register", methods=["POST"], view_func=self.auth_handler.register)
        bp.add_url_rule("/auth/logout", methods=["POST"], view_func=self.auth_handler.logout)
        bp.add_url_rule("/oauth/<string:provider_name>", endpoint="oauth_provider",
                        view_func=self.oauth_handler.provider)
        bp.add_url_rule("/oauth/authorize/<string:provider_name>", methods=["POST"], endpoint="oauth_authorize",
                        view_func=self.oauth_handler.authorize)
        bp.add_url_rule("/account", view_func=self.account_handler.get_current_user)
        bp.add_url_rule("/account/name", methods=["POST"], view_func=self.account_handler.update_name)
        bp.add_url_rule("/account/avatar", methods=["POST"], view_func=self.account_handler.update_avatar)
        bp.add_url_rule("/account/password", methods=["POST"], view_func=self.account_handler.update_password)
        # API keys are managed from the console (JWT); they authenticate the openapi/openai surfaces
        bp.add_url_rule("/openapi/api-keys", view_func=self.api_key_handler.get_api_keys_with_page)
        bp.add_url_rule("/openapi/api-keys", methods=["POST"], view_func=self.api_key_handler.create_api_key)
        bp.add_url_rule("/openapi/api-keys/<uuid:api_key_id>", methods=["POST"],
                        view_func=self.api_key_handler.update_api_key)
        bp.add_url_rule("/openapi/api-keys/<uuid:api_key_id>/is-active", methods=["POST"],
                        view_func=self.api_key_handler.update_api_key_is_active)
        bp.add_url_rule("/openapi/api-keys/<uuid:api_key_id>/delete", methods=["POST"],
                        view_func=self.api_key_handler.delete_api_key)
        # upload files
        bp.add_url_rule("/upload-files/file", methods=["POST"], view_func=self.upload_file_handler.upload_file)
        bp.add_url_rule("/upload-files/image", methods=["POST"], view_func=self.upload_file_handler.upload_image)
        bp.add_url_rule("/upload-files/<uuid:upload_file_id>/content", endpoint="upload_file_content",
                        view_func=self.upload_file_handler.content)
        # language models (docs/language-models.md); the icon is public (loaded by <img>)
        lm = self.language_model_handler
        bp.add_url_rule("/language-models", view_func=lm.get_language_models)
        bp.add_url_rule("/language-models/<string:provider_name>/icon", view_func=lm.get_language_model_icon)
        bp.add_url_rule("/language-models/<string:provider_name>/<path:model_name>", view_func=lm.get_language_model)
        bp.add_url_rule("/language-model-credentials", view_func=lm.get_provider_credentials)
        bp.add_url_rule("/language-model-credentials/<string:provider_name>", methods=["POST"],
                        view_func=lm.set_provider_credential)
        bp.add_url_rule("/language-model-credentials/<string:provider_name>/test", methods=["POST"],
                        view_func=lm.test_provider_credential)
        bp.add_url_rule("/language-model-credentials/<string:provider_name>/delete", methods=["POST"],
                        view_func=lm.delete_provider_credential)
        bp.add_url_rule("/language-model-usage", view_func=lm.get_usage)
        self.knowledge_routes(bp)
        register_app_routes(bp, self.app_handler, self.conversation_handler, self.web_app_handler,
                            self.builtin_app_handler, self.analysis_handler, self.chat_handler)
        aa = self.assistant_agent_handler
        bp.add_url_rule("/assistant-agent/chat", methods=["POST"], view_func=aa.assistant_agent_chat)
        bp.add_url_rule("/assistant-agent/chat/<uuid:task_id>/stop", methods=["POST"],
                        view_func=aa.stop_assistant_agent_chat)
        bp.add_url_rule("/assistant-agent/messages", view_func=aa.get_assistant_agent_messages_with_page)
        bp.add_url_rule("/assistant-agent/delete-conversation", methods=["POST"],
                        view_func=aa.delete_assistant_agent_conversation)
        bp.add_url_rule("/ai/optimize-prompt", methods=["POST"], view_func=self.ai_handler.optimize_prompt)
        bp.add_url_rule("/ai/suggested-questions", methods=["POST"],
                        view_func=self.ai_handler.generate_suggested_questions)
        builtin_tool_routes(bp, self.builtin_tool_handler)
        add_api_tool_routes(bp, self.api_tool_handler)
        add_mcp_server_routes(bp, self.mcp_server_handler)
        register_workflow_routes(bp, self.workflow_handler)
        return bp

    def knowledge_routes(self, bp: Blueprint) -> None:
        """Knowledge base (docs/knowledge-base.md)."""
        ds, doc, seg = self.dataset_handler, self.document_handler, self.segment_handler
        base = "/datasets/<uuid:dataset_id>"
        d = base + "/documents/<uuid:document_id>"
        s = d + "/segments/<uuid:segment_id>"
        bp.add_url_rule("/datasets", view_func=ds.get_datasets_with_page)
        bp.add_url_rule("/datasets", methods=["POST"], view_func=ds.create_dataset)
        bp.add_url_rule("/datasets/embedding-models", view_func=ds.get_embedding_models)
        bp.add_url_rule(base, view_func=ds.get_dataset)
        bp.add_url_rule(base, methods=["POST"], view_func=ds.update_dataset)
        bp.add_url_rule(base + "/delete", methods=["POST"], view_func=ds.delete_dataset)
        bp.add_url_rule(base + "/hit", methods=["POST"], view_func=ds.hit)
        bp.add_url_rule(base + "/queries", view_func=ds.get_dataset_queries)
        bp.add_url_rule(base + "/documents", view_func=doc.get_documents_with_page)
        bp.add_url_rule(base + "/documents", methods=["POST"], view_func=doc.create_documents)
        bp.add_url_rule(base + "/documents/batch/<string:batch>", view_func=doc.get_documents_status)
        bp.add_url_rule(d, view_func=doc.get_document)
        bp.add_url_rule(d + "/name", methods=["POST"], view_func=doc.update_document_name)
        bp.add_url_rule(d + "/enabled", methods=["POST"], view_func=doc.update_document_enabled)
        bp.add_url_rule(d + "/delete", methods=["POST"], view_func=doc.delete_document)
        bp.add_url_rule(d + "/segments", view_func=seg.get_segments_with_page)
        bp.add_url_rule(d + "/segments", methods=["POST"], view_func=seg.create_segment)
        bp.add_url_rule(s, view_func=seg.get_segment)
        bp.add_url_rule(s, methods=["POST"], view_func=seg.update_segment)
        bp.add_url_rule(s + "/enabled", methods=["POST"], view_func=seg.update_segment_enabled)
        bp.add_url_rule(s + "/delete", methods=["POST"], view_func=seg.delete_segment)

    def openapi(self) -> Blueprint:
        """Third-party app API, API-key auth, real status codes."""
        bp = Blueprint(Surface.OPENAPI.value, __name__)
        bp.add_url_rule("/openapi/whoami", endpoint="whoami", view_func=self.api_key_handler.whoami)
        bp.add_url_rule("/openapi/chat", methods=["POST"], endpoint="chat", view_func=self.chat_handler.openapi_chat)
        register_openapi_workflow_routes(bp, self.openapi_workflow_handler)
        return bp

    def openai_routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        """OpenAI-compatible gateway under /v1: (method, path, handler method taking the request)."""
        oa, ag = self.openai_handler, self.agent_api_handler
        return [
            ("GET", "/v1/models", oa.list_models),
            ("GET", "/v1/models/<path:model_id>/health", oa.model_health),
            ("GET", "/v1/models/<path:model_id>", oa.retrieve_model),
            ("POST", "/v1/chat/completions", oa.chat_completions),
            ("POST", "/v1/completions", oa.completions),
            ("POST", "/v1/embeddings", oa.embeddings),
            ("POST", "/v1/images/generations", oa.images_generations),
            # the agent API (docs/agent-api.md)
            ("POST", "/v1/agents", ag.create_agent),
            ("GET", "/v1/agents", ag.list_agents),
            ("GET", "/v1/agents/<agent_id>", ag.get_agent),
            ("POST", "/v1/agents/<agent_id>/execute", ag.execute_agent),
            ("POST", "/v1/chat", ag.chat),
            ("POST", "/v1/chat/stream", ag.chat_stream),
            ("GET", "/v1/chat/history", ag.chat_history),
        ]

    def lane_routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        """The /v1 routes the API lane serves besides Flask (internal/server/api_lane.py): the
        ones without path parameters."""
        return [route for route in self.openai_routes() if "<" not in route[1]]

    def openai(self) -> Blueprint:
        bp = Blueprint(Surface.OPENAI.value, __name__)
        for method, path, view in self.openai_routes():
            bp.add_url_rule(path, methods=[method], view_func=_with_request(view))
        return bp

    def ops(self) -> Blueprint:
        bp = Blueprint(Surface.OPS.value, __name__)
        bp.add_url_rule("/ping", view_func=self.ping_handler.ping)
        bp.add_url_rule("/health", view_func=self.ops_handler.health)
        bp.add_url_rule("/health/live", view_func=self.ops_handler.live)
        bp.add_url_rule("/metrics", view_func=self.ops_handler.metrics_endpoint)
        bp.add_url_rule("/openapi.json", view_func=self.ops_handler.openapi_json)
        bp.add_url_rule("/docs", view_func=self.ops_handler.docs)
        bp.add_url_rule("/docs/<path:filename>", view_func=self.ops_handler.docs_asset)
        return bp


def _with_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """A Flask view for a handler method that takes the request as its first argument."""
    @functools.wraps(view)
    def flask_view(**kwargs: Any) -> Any:
        return view(request._get_current_object(), **kwargs)

    return flask_view
