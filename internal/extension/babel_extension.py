"""Flask-Babel: console messages in Chinese or English, chosen from Accept-Language (issue 13).
Catalogs: internal/translations/<lang>/LC_MESSAGES/messages.po, compiled .mo committed
(`make translations` recompiles; a unit test fails when a .mo is stale)."""
from __future__ import annotations

import os

from flask import Flask, request
from flask_babel import Babel

from config import Config

SUPPORTED_LOCALES = ("zh", "en")
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")


def init_app(app: Flask, conf: Config) -> None:
    default = conf.DEFAULT_LOCALE if conf.DEFAULT_LOCALE in SUPPORTED_LOCALES else "en"

    def select_locale() -> str:
        # werkzeug matches zh-CN / zh-Hans to "zh"
        return request.accept_languages.best_match(SUPPORTED_LOCALES) or default

    Babel(app, locale_selector=select_locale, default_locale=default,
          default_translation_directories=TRANSLATIONS_DIR)
