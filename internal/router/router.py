"""The one route table. One blueprint per surface (DESIGN §1); the blueprint name is the
surface name, which decides authentication (middleware) and error rendering (error_handlers).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask
from injector import inject

from internal.entity.surface import Surface
from internal.handler.language_model_handler import LanguageModelHandler
from internal.handler.openai_handler import OpenAIHandler
from internal.handler.ops_handler import OpsHandler
from internal.handler.ping_handler import PingHandler
from internal.handler.upload_file_handler import UploadFileHandler


@inject
@dataclass
class Router:
    ping_handler: PingHandler
    ops_handler: OpsHandler
    upload_file_handler: UploadFileHandler
    language_model_handler: LanguageModelHandler
    openai_handler: OpenAIHandler

    def register_router(self, app: Flask) -> None:
        for blueprint in (self.console(), self.openapi(), self.openai(), self.ops()):
            app.register_blueprint(blueprint)

    def console(self) -> Blueprint:
        bp = Blueprint(Surface.CONSOLE.value, __name__)
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
        return bp

    def openapi(self) -> Blueprint:
        """Third-party app API, API-key auth, real status codes."""
        bp = Blueprint(Surface.OPENAPI.value, __name__)
        return bp

    def openai(self) -> Blueprint:
        """OpenAI-compatible gateway under /v1."""
        bp = Blueprint(Surface.OPENAI.value, __name__, url_prefix="/v1")
        oa = self.openai_handler
        bp.add_url_rule("/models", view_func=oa.list_models)
        bp.add_url_rule("/models/<path:model_id>/health", view_func=oa.model_health)
        bp.add_url_rule("/models/<path:model_id>", view_func=oa.retrieve_model)
        bp.add_url_rule("/chat/completions", methods=["POST"], view_func=oa.chat_completions)
        bp.add_url_rule("/completions", methods=["POST"], view_func=oa.completions)
        bp.add_url_rule("/embeddings", methods=["POST"], view_func=oa.embeddings)
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
