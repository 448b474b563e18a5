"""Arithmetic without eval: the expression is parsed with `ast` and walked; only numbers,
arithmetic operators, a few math functions and constants are allowed, with limits on the
expression size, exponents and result magnitude (no 9**9**9 stalls)."""
from __future__ import annotations

import ast
import math
import operator
from typing import Any

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool

MAX_LENGTH, MAX_NODES, MAX_EXPONENT, MAX_MAGNITUDE = 500, 200, 1000, 1e300

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCTIONS = {"sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin,
              "acos": math.acos, "atan": math.atan, "log": math.log, "log10": math.log10, "log2": math.log2,
              "exp": math.exp, "abs": abs, "round": round, "floor": math.floor, "ceil": math.ceil, "min": min,
              "max": max, "factorial": math.factorial, "degrees": math.degrees, "radians": math.radians}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}


def _check(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)) or abs(value) > MAX_MAGNITUDE:
            raise ToolError("the result is too large")
        return value
    raise ToolError("only numbers are allowed")


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return _check(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _check(_UNARY[type(node.op)](_eval(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > MAX_EXPONENT or (abs(left) > 1 and abs(right) * math.log10(
                abs(left)) > 300)):
            raise ToolError("the exponent is too large")
        try:
            return _check(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError:
            raise ToolError("division by zero") from None
        except OverflowError:
            raise ToolError("the result is too large") from None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS \
            and not node.keywords:
        args = [_eval(a) for a in node.args]
        if node.func.id == "factorial" and (not args or args[0] > 170):
            raise ToolError("factorial is limited to 170")
        try:
            return _check(_FUNCTIONS[node.func.id](*args))
        except (ValueError, TypeError) as e:
            raise ToolError(f"{node.func.id}: {e}") from None
        except OverflowError:
            raise ToolError("the result is too large") from None
    raise ToolError(f"unsupported element in the expression: {type(node).__name__}")


def evaluate(expression: str) -> int | float:
    text = expression.strip().replace("^", "**").replace("×", "*").replace("÷", "/")
    if not text:
        raise ToolError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ToolError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ToolError("the expression is not valid arithmetic") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ToolError("the expression is too complex")
    return _eval(tree)


@builtin_tool("calculator", "calculate")
def calculate(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    value = evaluate(args["expression"])
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return {"expression": args["expression"], "result": value}
