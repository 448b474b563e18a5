"""The sandbox inside the processes that host it: a gevent server worker, and a long-lived
worker that must not leak file descriptors or processes run after run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pkg.sandbox import SandboxLimits, SandboxTimeout, SandboxUserError

ROOT = Path(__file__).resolve().parents[3]

GEVENT_SCRIPT = r'''
from gevent import monkey; monkey.patch_all()
import gevent, json
from pkg.sandbox import CodeSandbox, SandboxLimits, SandboxSettings, SandboxTimeout
box = CodeSandbox(SandboxSettings(pool_size=2))
box.self_test()
code = "def main(p):\n    return {'v': p['i'] * 3}\n"
runs = [gevent.spawn(box.run, code, {"i": i}) for i in range(10)]
slow = gevent.spawn(box.run, "import time\ndef main(p):\n    time.sleep(30)\n", {}, SandboxLimits(wall_seconds=1))
gevent.joinall([*runs, slow])
box.close()
print(json.dumps({"values": [g.value for g in runs], "slow": type(slow.exception).__name__}))
'''


def test_runs_cooperate_under_gevent_monkey_patching():
    """gunicorn's gevent worker (the embedded engine runs nodes in the server process)."""
    done = subprocess.run([sys.executable, "-c", GEVENT_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last == '{"values": [{"v": 0}, {"v": 3}, {"v": 6}, {"v": 9}, {"v": 12}, {"v": 15}, {"v": 18}, {"v": 21}, {"v": 24}, {"v": 27}], "slow": "SandboxTimeout"}'


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _bwrap_children() -> int:
    """This process's bwrap children, zombies included (other fixtures may own other children)."""
    me, count = str(os.getpid()), 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                name, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
                count += name.endswith("(bwrap") and rest.split()[1] == me
            except (OSError, IndexError, ValueError):
                continue
    return count


def test_many_runs_leak_no_descriptors_or_processes(sandbox):
    ok = "def main(p):\n    return {'i': p['i']}\n"
    for i in range(5):
        sandbox.run(ok, {"i": i})
    fds_before = _open_fds()
    # other apps built earlier in this test process keep warm pools of their own (bwrap children too)
    bwrap_before = _bwrap_children()
    for i in range(30):
        assert sandbox.run(ok, {"i": i}) == {"i": i}
    for code, error in (("def main(p):\n    raise KeyError('x')\n", SandboxUserError),
                        ("def main(p):\n    while True:\n        pass\n", SandboxTimeout)):
        try:
            sandbox.run(code, {}, SandboxLimits(wall_seconds=1, cpu_seconds=1))
        except error:
            pass
    sandbox.run(ok, {"i": 0})  # reaps what the previous runs left exiting
    others = bwrap_before - sandbox.settings.pool_size  # other sandboxes' warm pools in this process
    # The pool may hold more or fewer warm processes (3 pipes each) than before, and a couple of
    # used ones may still be exiting; a leak would be 3 descriptors per run (100+ here).
    assert _open_fds() <= fds_before + 3 * (sandbox.settings.pool_size + 2)
    assert _bwrap_children() <= max(others, 0) + sandbox.settings.pool_size + 2


def test_the_apps_sandbox_cannot_see_the_apps_instance_or_secrets(sqlite_app):
    """The CodeSandbox bound by create_app (SandboxModule): the server's own instance directory
    (SQLite database, generated secret key) and configuration are out of its reach."""
    from config import Config
    from pkg.sandbox import CodeSandbox

    injector = sqlite_app.extensions["injector"]
    conf = injector.get(Config)
    box = injector.get(CodeSandbox)
    assert box is injector.get(CodeSandbox)
    files = [p for p in conf.INSTANCE_DIR.rglob("*") if p.is_file()]
    assert files  # the app wrote its database there: the check is not vacuous
    code = """
import os
def main(p):
    return {"seen": [x for x in p["paths"] if os.path.exists(x)], "env": sorted(os.environ)}
"""
    out = box.run(code, {"paths": [str(conf.INSTANCE_DIR), *map(str, files)]})  # the app's: left open
    assert out["seen"] == []
    assert conf.SECRET_KEY not in str(out) and set(out["env"]) <= {"PWD", "LC_CTYPE"}


def test_flask_sandbox_check_reports_verified_isolation(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["sandbox", "check"])
    assert result.exit_code == 0, result.output
    assert "code sandbox (bwrap): isolation verified, a run works" in result.output


def test_flask_sandbox_check_fails_clearly_when_disabled(tmp_path):
    from app.http.app import create_app
    from test.support.environment import make_test_config

    app = create_app(make_test_config(tmp_path, CODE_SANDBOX="disabled"))
    result = app.test_cli_runner().invoke(args=["sandbox", "check"])
    assert result.exit_code == 1
    assert "code execution is unavailable: CODE_SANDBOX is disabled" in result.output
