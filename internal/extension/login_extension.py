from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from internal.exception import UnauthorizedException
from internal.middleware.middleware import Middleware


def init_app(app: Flask, login_manager: LoginManager, middleware: Middleware) -> None:
    login_manager.init_app(app)
    login_manager.request_loader(middleware.request_loader)

    @login_manager.unauthorized_handler
    def _unauthorized():
        raise UnauthorizedException()
