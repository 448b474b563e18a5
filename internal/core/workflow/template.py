"""User templates (LLM prompts, template-transform nodes) render in Jinja2's sandbox (course
defect #2: `jinja2.Template` let `{{ ''.__class__.__mro__ }}` reach Python internals). Attribute
access to internals raises SecurityError; the output is capped."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT_CHARS = 200_000


class TemplateRenderError(ValueError):
    """The template could not render; the message is safe to show."""


class _Sandbox(ImmutableSandboxedEnvironment):
    # `'x' * 10**10` or `9 ** 9 ** 9` would exhaust memory/CPU inside the sandbox: bound them.
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT_CHARS:
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


_ENV = _Sandbox(autoescape=False, keep_trailing_newline=True)


@lru_cache(maxsize=512)
def _compile(source: str):
    return _ENV.from_string(source)


def template_problem(source: str) -> str | None:
    """None when the template compiles, else a readable syntax error."""
    try:
        _compile(source)
    except TemplateSyntaxError as exc:
        return f"template syntax error on line {exc.lineno}: {exc.message}"
    return None


def template_variables(source: str) -> set[str]:
    """Top-level names the template reads (to check they are declared inputs)."""
    return set(meta.find_undeclared_variables(_ENV.parse(source)))


def render(source: str, variables: dict[str, Any]) -> str:
    try:
        text = _compile(source).render(**variables)
    except SecurityError:
        raise TemplateRenderError("the template tried to reach something the sandbox does not allow") from None
    except TemplateError as exc:
        raise TemplateRenderError(f"the template failed: {exc.message}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TemplateRenderError(f"the template failed: {type(exc).__name__}") from None
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateRenderError(f"the rendered template is longer than {MAX_OUTPUT_CHARS} characters")
    return text
