"""Course defects #2 (unsandboxed Jinja2 in prompts and templates) and #9 (blind coercion)."""
import pytest

from internal.core.workflow.entities.coercion import CoercionError, coerce, is_compatible
from internal.core.workflow.entities.runs import RunStatus
from internal.core.workflow.entities.variables import VariableType as T
from internal.core.workflow.template import TemplateRenderError, render

from .builders import MODEL, G, ref, start_input, template_node, var

SSTI = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ lipsum.__globals__['os'].system('touch /tmp/pwned') }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ x.__class__.__base__.__subclasses__() }}",
    "{{ 'a' * 100000000 }}",
    "{{ 10 ** 100000000 }}",
    "{% for i in range(100000000) %}{% endfor %}",
]


@pytest.mark.parametrize("source", SSTI)
def test_template_sandbox_refuses_ssti(source):
    with pytest.raises(TemplateRenderError):
        render(source, {"x": "value"})


def test_template_sandbox_still_renders_ordinary_templates():
    assert render("{{ name | upper }}: {% for i in items %}{{ i }},{% endfor %}", {"name": "a", "items": [1, 2]}) \
        == "A: 1,2,"


@pytest.mark.parametrize("source", SSTI[:3])
def test_ssti_in_a_template_node_fails_the_node(run, source):
    g = G().start(start_input("x"))
    template_node(g, "t", source.replace("x.", "x."), x=ref("start", "x"))
    g.end(var("r", "string", ref("t", "output"))).chain("start", "t", "end")
    result = run(g.dump(), {"x": "v"})
    assert result.status == RunStatus.FAILED and "sandbox" in result.error


def test_ssti_in_an_llm_prompt_never_reaches_the_model(run, ports):
    g = G().start(start_input("q"))
    g.add("llm", "llm", prompt="{{ q.__class__.__mro__[1].__subclasses__() }}", model_config=MODEL,
          inputs=[var("q", "string", ref("start", "q"))])
    g.end(var("a", "string", ref("llm", "output"))).chain("start", "llm", "end")
    result = run(g.dump(), {"q": "x"})
    assert result.status == RunStatus.FAILED and "sandbox" in result.error
    assert ports.chat_models.calls == []


def test_user_input_is_data_not_template(run, ports):
    ports.chat_models.reply = lambda cfg, msgs: msgs[0].content
    g = G().start(start_input("q"))
    g.add("llm", "llm", prompt="say {{ q }}", model_config=MODEL, inputs=[var("q", "string", ref("start", "q"))])
    g.end(var("a", "string", ref("llm", "output"))).chain("start", "llm", "end")
    assert run(g.dump(), {"q": "{{ 7 * 7 }}"}).outputs == {"a": "say {{ 7 * 7 }}"}


@pytest.mark.parametrize(("value", "expected"), [
    ("false", False), ("False", False), ("0", False), ("no", False), ("true", True), ("1", True), (True, True),
    (0, False), (1, True)])
def test_booleans_are_read_not_truth_tested(value, expected):
    assert coerce(value, T.BOOLEAN) is expected


@pytest.mark.parametrize(("value", "vtype"), [
    ("maybe", T.BOOLEAN), (2, T.BOOLEAN), ("x", T.INT), ("1.5", T.INT), (True, T.INT), (1.5, T.INT),
    ("nan", T.FLOAT), ("abc", T.FLOAT), ("[1", T.LIST_INT), ('["a"]', T.LIST_INT), ("{}", T.LIST_STRING),
    ("[]", T.OBJECT), (3, T.OBJECT)])
def test_bad_values_raise_a_coercion_error(value, vtype):
    with pytest.raises(CoercionError) as err:
        coerce(value, vtype)
    assert str(err.value)


@pytest.mark.parametrize(("value", "vtype", "expected"), [
    ("12", T.INT, 12), (12.0, T.INT, 12), ("2.5", T.FLOAT, 2.5), (3, T.FLOAT, 3.0), (True, T.STRING, "true"),
    ({"a": 1}, T.STRING, '{"a": 1}'), ("[1, 2]", T.LIST_INT, [1, 2]), (["1", 2], T.LIST_INT, [1, 2]),
    ('{"k": "v"}', T.OBJECT, {"k": "v"}), (["true", "false"], T.LIST_BOOLEAN, [True, False])])
def test_good_values_coerce(value, vtype, expected):
    assert coerce(value, vtype) == expected


def test_compatibility_rules():
    assert is_compatible(T.INT, T.STRING) and is_compatible(T.INT, T.FLOAT)
    assert is_compatible(T.LIST_INT, T.LIST_OBJECT)
    assert not is_compatible(T.STRING, T.INT) and not is_compatible(T.FLOAT, T.INT)
    assert not is_compatible(T.STRING, T.BOOLEAN) and not is_compatible(T.LIST_STRING, T.LIST_INT)


def test_false_string_input_takes_the_false_branch(run):
    g = G().start(start_input("flag", "boolean"))
    g.add("if", "if_else", inputs=[var("flag", "boolean", ref("start", "flag"))],
          cases=[{"id": "on", "logical_operator": "and",
                  "conditions": [{"variable": "flag", "comparison_operator": "is", "value": "true"}]}])
    template_node(g, "y", "on")
    template_node(g, "n", "off")
    g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("y", "output")),
                                               var("b", "string", ref("n", "output"))])
    g.end(var("r", "string", ref("agg", "output")))
    g.link("start", "if").link("if", "y", "on").link("if", "n", "else").chain("y", "agg").chain("n", "agg")
    g.link("agg", "end")
    assert run(g.dump(), {"flag": "false"}).outputs == {"r": "off"}
    assert run(g.dump(), {"flag": "true"}).outputs == {"r": "on"}
