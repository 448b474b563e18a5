from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from config import Config


def init_app(app: Flask, conf: Config) -> None:
    # With credentials the allowed origin is echoed, never "*".
    CORS(app, origins=conf.CORS_ORIGINS, supports_credentials=True, max_age=600, always_send=False,
         allow_headers=["Authorization", "Content-Type", "X-Request-Id"], expose_headers=["X-Request-Id"])
