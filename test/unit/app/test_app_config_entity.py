"""AppConfig: the one shape of a stored app configuration, and the builtin templates built on it."""
from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from internal.core.builtin_apps import BuiltinAppCatalog
from internal.entity.app_entity import DRAFT_CONFIG_KEYS, AppConfig

MODEL = {"provider": "openai", "model": "gpt-4o-mini", "parameters": {}}


def test_defaults_and_stored_shape_use_the_course_keys():
    dumped = AppConfig.model_validate({"model_config": MODEL}).dump()
    assert set(dumped) == set(DRAFT_CONFIG_KEYS)
    assert dumped["model_config"] == MODEL and dumped["dialog_round"] == 3
    assert dumped["review_config"] == {"enable": False, "keywords": [], "outputs_config": {"enable": False},
                                       "inputs_config": {"enable": False, "preset_response": ""}}
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    assert AppConfig.model_validate({"model_config": MODEL, "datasets": ids}).dump()["datasets"] == ids
    assert AppConfig.model_validate(dumped).dump() == dumped  # round trip


@pytest.mark.parametrize(("extra", "loc"), [
    ({"dialog_round": 101}, ("dialog_round",)),
    ({"preset_prompt": "p" * 2001}, ("preset_prompt",)),
    ({"opening_questions": ["1", "2", "3", "4"]}, ("opening_questions",)),
    ({"datasets": [str(uuid.uuid4())] * 2}, ("datasets",)),
    ({"workflows": ["x"]}, ("workflows", 0)),
    ({"retrieval_config": {"k": 0, "score": 1.01}}, ("retrieval_config", "score")),
    ({"review_config": {"enable": True, "keywords": ["a"], "inputs_config": {"enable": False},
                        "outputs_config": {"enable": False}}}, ("review_config",)),
    ({"unknown": 1}, ("unknown",)),
])
def test_limits(extra, loc):
    with pytest.raises(ValidationError) as info:
        AppConfig.model_validate({"model_config": MODEL, **extra})
    assert info.value.errors()[0]["loc"] == loc


def test_builtin_templates_are_valid_and_complete():
    catalog = BuiltinAppCatalog()
    apps = catalog.list()
    assert len(apps) >= 4 and len({a.category for a in apps}) >= 3
    for a in apps:
        assert a.config.preset_prompt and a.config.opening_statement and len(a.config.opening_questions) <= 3
        assert a.icon_path().endswith(".svg")
    assert catalog.get("nope") is None
