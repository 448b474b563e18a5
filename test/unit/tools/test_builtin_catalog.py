"""The builtin catalog's checks and the pure tool functions (no network)."""
from __future__ import annotations

import pytest

from internal.core.tools.base import ToolError
from internal.core.tools.builtin import BuiltinCatalog
from internal.core.tools.builtin.catalog import PROVIDERS_FILE
from internal.core.tools.builtin.functions.calculator import evaluate
from internal.core.tools.builtin.functions.search import parse_results
from internal.core.tools.builtin.functions.web import html_to_text
from internal.core.tools.builtin.registry import registered_functions


def test_every_declared_tool_has_a_function_and_schema():
    catalog = BuiltinCatalog()
    assert len(catalog.providers) >= 6 and sum(len(p.tools) for p in catalog.providers.values()) >= 12
    schema = catalog.schema("duckduckgo", "duckduckgo_search")
    assert schema["required"] == ["query"] and schema["properties"]["max_results"] == {
        "type": "integer", "description": "How many results (1-10)", "default": 5, "minimum": 1, "maximum": 10}


def test_a_declared_tool_without_function_or_a_function_without_declaration_fails(tmp_path):
    functions = registered_functions()
    missing = {k: v for k, v in functions.items() if k != ("time", "current_time")}
    with pytest.raises(RuntimeError, match="time/current_time has no registered function"):
        BuiltinCatalog(functions=missing)
    extra = {**functions, ("time", "ghost"): lambda a, c: None}
    with pytest.raises(RuntimeError, match="without a YAML declaration"):
        BuiltinCatalog(functions=extra)
    bad = tmp_path / "p.yaml"
    bad.write_text(PROVIDERS_FILE.read_text().replace("category: tool", "category: nowhere", 1))
    with pytest.raises(RuntimeError, match="unknown category"):
        BuiltinCatalog(path=bad)


def test_form_params_are_checked():
    c = BuiltinCatalog()
    assert c.check_params("dalle", "dalle3", {}) == {"size": "1024x1024"}
    for params, msg in (({"size": "1x1"}, "must be one of"), ({"color": "red"}, "unknown param")):
        with pytest.raises(ValueError, match=msg):
            c.check_params("dalle", "dalle3", params)


@pytest.mark.parametrize("expr,value", [("1+2*3", 7), ("2**10", 1024), ("-(4-6)", 2), ("max(1, 5, 3)", 5),
                                        ("round(2.567, 2)", 2.57), ("10 // 3 + 10 % 3", 4), ("2^3", 8)])
def test_calculator_values(expr, value):
    assert evaluate(expr) == value


@pytest.mark.parametrize("expr", ["__import__('os')", "().__class__", "a", "[1,2]", "lambda: 1", "'x' * 3",
                                  "10**10**10", "factorial(1000)", "1" * 600, "True + 1", "open('/etc/passwd')"])
def test_calculator_refuses_everything_else(expr):
    with pytest.raises(ToolError):
        evaluate(expr)


def test_html_to_text_and_search_parsing():
    title, text = html_to_text("<html><head><title>T</title><style>p{}</style></head><body><main><p>One</p>"
                               "<div><p>Two</p></div></main><footer>F</footer></body></html>")
    assert title == "T" and text == "One\n\nTwo"
    html = ('<div class="result"><a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fa.example%2F">A</a>'
            '<a class="result__snippet">s</a></div>')
    assert parse_results(html, 5) == [{"title": "A", "url": "https://a.example/", "snippet": "s"}]
