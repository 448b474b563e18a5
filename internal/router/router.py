"""The one route table. One blueprint per surface (DESIGN §1); the blueprint name is the
surface name, which decides authentication (middleware) and error rendering (error_handlers).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask
from injector import inject

from internal.entity.surface import Surface
from internal.handler.ping_handler import PingHandler
from internal.handler.upload_file_handler import UploadFileHandler


@inject
@dataclass
class Router:
    ping_handler: PingHandler
    upload_file_handler: UploadFileHandler

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
        return bp

    def openapi(self) -> Blueprint:
        """Third-party app API, API-key auth, real status codes."""
        bp = Blueprint(Surface.OPENAPI.value, __name__)
        return bp

    def openai(self) -> Blueprint:
        """OpenAI-compatible gateway under /v1."""
        bp = Blueprint(Surface.OPENAI.value, __name__, url_prefix="/v1")
        return bp

    def ops(self) -> Blueprint:
        bp = Blueprint(Surface.OPS.value, __name__)
        bp.add_url_rule("/ping", view_func=self.ping_handler.ping)
        return bp
