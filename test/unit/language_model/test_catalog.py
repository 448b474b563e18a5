import os

import pytest

from internal.core.language_model.catalog import CatalogError, LanguageModelCatalog, load_provider
from internal.core.language_model.entities import ModelFeature, ModelType, Pricing

EXPECTED_PROVIDERS = {"openai", "azure_openai", "anthropic", "deepseek", "moonshot", "zhipu", "tongyi", "openrouter",
                      "ollama", "vllm", "openai_compatible", "local"}


@pytest.fixture(scope="module")
def catalog():
    return LanguageModelCatalog()


def test_every_provider_loads_with_icon_and_schema(catalog):
    names = {p.name for p in catalog.get_providers()}
    assert names == EXPECTED_PROVIDERS
    for p in catalog.get_providers():
        assert p.provider_entity.label
        assert p.icon_path() and os.path.getsize(p.icon_path()) > 0, p.name
        assert p.provider_entity.supported_model_types
    positions = [p.position for p in catalog.get_providers()]
    assert positions == sorted(positions)


def test_templates_expand_and_overrides_win(catalog):
    m = catalog.get_model("moonshot", "moonshot-v1-8k")
    params = {p.name: p for p in m.parameters}
    assert set(params) >= {"temperature", "top_p", "max_tokens"}
    assert params["temperature"].label == "Temperature"  # from the template
    assert params["temperature"].max == 1 and params["temperature"].default == 0.3  # model override
    assert params["max_tokens"].type.value == "int"


def test_model_fields_and_console_shape(catalog):
    m = catalog.get_model("openai", "gpt-4o-mini")
    assert ModelFeature.TOOL_CALL in m.features and ModelFeature.IMAGE_INPUT in m.features
    assert m.context_window == 128000 and m.max_output_tokens == 16384
    assert m.model_type == ModelType.CHAT
    d = catalog.get_provider("openai").to_console_dict()
    assert {"name", "position", "label", "icon", "description", "background", "support_model_types",
            "models"} <= set(d)
    model = next(x for x in d["models"] if x["model_name"] == "gpt-4o-mini")
    assert model["model"] == "gpt-4o-mini"
    assert model["pricing"] == {"input": 0.15, "output": 0.6, "unit": 1000000, "currency": "USD"}
    assert {"name", "label", "type", "help", "required", "default", "min", "max", "precision", "options"} <= set(
        model["parameters"][0])


def test_find_model_by_bare_and_qualified_name(catalog):
    p, m = catalog.find_model("deepseek-chat")
    assert p.name == "deepseek" and m.model_name == "deepseek-chat"
    p, m = catalog.find_model("azure_openai/gpt-4o")
    assert p.name == "azure_openai"
    p, m = catalog.find_model("openrouter/openai/gpt-4o-mini")
    assert p.name == "openrouter" and m.model_name == "openai/gpt-4o-mini"
    assert catalog.find_model("no-such-model") is None


def test_pricing_cost():
    p = Pricing(input=0.15, output=0.6, unit=1_000_000, currency="USD")
    assert p.cost(1_000_000, 0) == pytest.approx(0.15)
    assert p.cost(2000, 1000) == pytest.approx((2000 * 0.15 + 1000 * 0.6) / 1e6)
    assert Pricing(input=12, output=12, currency="CNY").cost(500, 500) == pytest.approx(0.012)


def test_malformed_catalog_is_rejected(tmp_path):
    d = tmp_path / "acme"
    (d / "models").mkdir(parents=True)
    (d / "provider.yaml").write_text("name: other\nlabel: Acme\nsupported_model_types: [chat]\n")
    with pytest.raises(CatalogError, match="folder name"):
        load_provider(str(d))
    (d / "provider.yaml").write_text("name: acme\nlabel: Acme\nsupported_model_types: [chat]\n")
    (d / "models" / "m.yaml").write_text("model: m\nparameters:\n  - use_template: nope\n")
    with pytest.raises(CatalogError, match="unknown parameter template"):
        load_provider(str(d))
    (d / "models" / "m.yaml").write_text("model: m\nmodel_type: hologram\n")
    with pytest.raises(CatalogError):
        load_provider(str(d))
