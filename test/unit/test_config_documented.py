"""Every setting is documented: in .env.example (for operators) and docs/configuration.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import Config
from config.language_model import LanguageModelSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("document", [".env.example", "docs/configuration.md"])
def test_every_setting_is_documented(document):
    text = (ROOT / document).read_text()
    names = [*Config.model_fields, *(f"LLM_{name}" for name in LanguageModelSettings.model_fields)]
    missing = [name for name in names if not re.search(rf"\b{name}\b", text)]
    assert not missing, f"{document} does not document: {missing}"


def test_embedded_defaults_need_no_services(tmp_path):
    conf = Config(_env_file=None, INSTANCE_DIR=tmp_path).resolved()
    assert conf.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'llmops.db'}"
    assert conf.CELERY_BROKER_URL == "filesystem://"
    assert conf.REDIS_URL == "" and not conf.uses_redis
    assert conf.SECRET_KEY and conf.SECRET_KEY == Config(_env_file=None, INSTANCE_DIR=tmp_path).resolved().SECRET_KEY


def test_production_refuses_to_run_without_a_secret(tmp_path):
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Config(_env_file=None, INSTANCE_DIR=tmp_path, ENV="production").resolved()


def test_list_settings_accept_comma_separated_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Config(_env_file=None, INSTANCE_DIR=tmp_path).CORS_ORIGINS == ["https://a.example", "https://b.example"]
