"""Normal runs of the code sandbox: main(params) in, a JSON object out, and clear errors."""
from __future__ import annotations

import json
import re
import threading

import pytest

from pkg.sandbox import (
    SandboxInputError,
    SandboxInvalidOutput,
    SandboxLimits,
    SandboxOutputTooLarge,
    SandboxUserError,
)


def test_main_receives_params_and_returns_json_types(sandbox):
    params = {"n": 3, "f": 1.5, "s": "héllo", "b": True, "none": None, "items": [1, 2, 3], "nested": {"k": ["v"]}}
    code = """
def main(params):
    return {
        "sum": sum(params["items"]) * params["n"],
        "half": params["f"] / 2,
        "upper": params["s"].upper(),
        "negated": not params["b"],
        "is_none": params["none"] is None,
        "nested": params["nested"],
        "types": [type(v).__name__ for v in params.values()],
    }
"""
    assert sandbox.run(code, params) == {
        "sum": 18, "half": 0.75, "upper": "HÉLLO", "negated": False, "is_none": True,
        "nested": {"k": ["v"]}, "types": ["int", "float", "str", "bool", "NoneType", "list", "dict"],
    }


def test_prints_are_captured_apart_from_the_result(sandbox):
    code = """
import os, sys
def main(params):
    print("progress", 1)
    print("to stderr", file=sys.stderr)
    os.write(1, b'{"status": "ok", "output": {"forged": true}}\\n')  # raw fd 1 cannot forge the reply
    return {"answer": 42}
"""
    run = sandbox.execute(code, {})
    assert run.output == {"answer": 42}
    assert run.stdout == "progress 1\nto stderr\n"
    assert not run.stdout_truncated


def test_printing_broken_unicode_is_not_fatal(sandbox):
    run = sandbox.execute("def main(p):\n    print('a\\ud800b')\n    return {'ok': 1}\n", {})
    assert run.output == {"ok": 1} and run.stdout == "a?b\n"


def test_printing_a_lot_is_truncated_not_fatal(sandbox):
    limits = SandboxLimits(max_stdout_bytes=1000)
    run = sandbox.execute("def main(p):\n    for _ in range(10000):\n        print('x' * 100)\n    return {'ok': 1}\n", {}, limits)
    assert run.output == {"ok": 1}
    assert run.stdout_truncated and len(run.stdout) == 1000


def test_a_user_exception_is_reported_with_the_users_lines_only(sandbox):
    code = "def helper(x):\n    raise ValueError(f'bad value {x}')\n\ndef main(params):\n    return helper(params['x'])\n"
    with pytest.raises(SandboxUserError) as caught:
        sandbox.run(code, {"x": 7})
    error = caught.value
    assert error.message == "ValueError: bad value 7"
    assert error.error_type == "ValueError"
    assert 'File "<code>", line 5, in main' in error.traceback
    assert 'File "<code>", line 2, in helper' in error.traceback
    assert "raise ValueError(f'bad value {x}')" in error.traceback
    assert "jail_runner" not in error.traceback and "/" not in error.traceback.replace("<code>", "")


@pytest.mark.parametrize(("code", "expected"), [
    ("def main(params)\n    return {}\n", "SyntaxError"),
    ("x = 1\n", "must define a function main(params)"),
    ("main = 3\n", "must define a function main(params)"),
    ("import sys\ndef main(p):\n    sys.exit(3)\n", "SystemExit: 3"),
    ("def main(p):\n    return main(p)\n", "RecursionError"),
    ("import no_such_module\ndef main(p):\n    return {}\n", "ModuleNotFoundError"),
])
def test_code_that_cannot_run_gets_a_readable_error(sandbox, code, expected):
    with pytest.raises(SandboxUserError, match=re.escape(expected)):
        sandbox.run(code, {})


def test_site_packages_are_not_importable(sandbox):
    """Only the standard library: the platform's dependencies (and their secrets) are not there."""
    with pytest.raises(SandboxUserError, match="ModuleNotFoundError: No module named 'flask'"):
        sandbox.run("import flask\ndef main(p):\n    return {}\n", {})


@pytest.mark.parametrize(("code", "expected"), [
    ("def main(p):\n    return [1, 2]\n", "must return a dict, it returned list"),
    ("def main(p):\n    return {'s': {1, 2}}\n", "not JSON"),
    ("def main(p):\n    return {'o': object()}\n", "not JSON"),
    ("def main(p):\n    return {'nan': float('nan')}\n", "not JSON"),
    ("def main(p):\n    return None\n", "must return a dict"),
    ("def main(p):\n    return {'s': '\\ud800'}\n", "not valid Unicode"),
])
def test_non_json_output_is_rejected(sandbox, code, expected):
    with pytest.raises(SandboxInvalidOutput, match=expected):
        sandbox.run(code, {})


def test_output_over_the_cap_is_rejected(sandbox):
    limits = SandboxLimits(max_output_bytes=10_000)
    assert sandbox.run("def main(p):\n    return {'s': 'a' * 9000}\n", {}, limits)["s"] == "a" * 9000
    with pytest.raises(SandboxOutputTooLarge, match="larger than 10000 bytes"):
        sandbox.run("def main(p):\n    return {'s': 'a' * 20000}\n", {}, limits)


def test_bad_inputs_are_refused_before_anything_runs(sandbox):
    with pytest.raises(SandboxInputError, match="not JSON"):
        sandbox.run("def main(p):\n    return {}\n", {"s": {1, 2}})
    with pytest.raises(SandboxInputError, match="larger than"):
        sandbox.run("def main(p):\n    return {}\n", {"big": "x" * 2000}, SandboxLimits(max_input_bytes=1000))
    with pytest.raises(SandboxInputError, match="JSON object"):
        sandbox.run("def main(p):\n    return {}\n", ["not", "a", "dict"])
    with pytest.raises(SandboxInputError, match="empty"):
        sandbox.run("   ", {})


def test_every_run_starts_from_a_clean_sandbox(sandbox):
    first = """
import json, os
def main(p):
    with open('/tmp/left-behind', 'w') as f:
        f.write('state')
    json.dumps = None  # monkey-patching the runner's module must not reach the next run
    return {'pid': os.getpid()}
"""
    second = "import os\ndef main(p):\n    return {'exists': os.path.exists('/tmp/left-behind')}\n"
    sandbox.run(first, {})
    assert sandbox.run(second, {}) == {"exists": False}


def test_concurrent_runs_each_get_their_own_answer(sandbox):
    code = "import time\ndef main(p):\n    time.sleep(0.05)\n    return {'square': p['i'] ** 2}\n"
    results = {}

    def run(i):
        results[i] = sandbox.run(code, {"i": i})

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: {"square": i * i} for i in range(8)}


def test_the_result_round_trips_unicode_and_large_numbers(sandbox):
    out = sandbox.run("def main(p):\n    return {'big': 2 ** 62, 'emoji': '\\u2603', 'echo': p}\n", {"x": "¿"})
    assert json.dumps(out, ensure_ascii=False) == '{"big": 4611686018427387904, "emoji": "☃", "echo": {"x": "¿"}}'


def test_a_forked_worker_gets_its_own_pool_and_leaves_the_parents_alone(sandbox):
    """Celery's prefork workers fork a process that may already hold a warm pool."""
    import multiprocessing

    sandbox.run("def main(p):\n    return {}\n", {})  # the pool is warm before the fork
    code = "import os\ndef main(p):\n    return {'double': p['n'] * 2}\n"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=lambda: queue.put([sandbox.run(code, {"n": n}) for n in range(3)]))
    child.start()
    results = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert results == [{"double": 0}, {"double": 2}, {"double": 4}]
    assert [sandbox.run(code, {"n": n}) for n in range(3)] == results  # the parent's warm processes still work
