"""Course defect #1: the course's code node ran `exec(code)` in the API worker — the server's
builtins, environment and files, no CPU/memory/time limit, an AST check of the top level only
(`def main(params=__import__('os').system(...))` passed) and the real error swallowed. Here the
node goes through the code sandbox (pkg/sandbox, docs/code-sandbox.md: escapes and limits are
tested in test/integration/sandbox): through the debug route, the code sees none of the server's
secrets, runs in another process, and a failure shows the user's own exception on the node."""
from __future__ import annotations

import os

from test.unit.workflow.builders import G, code_node, ref, start_input, var

from .helpers import create_workflow, read_frames

PROBE = ("import os\n\ndef main(params):\n"
         "    return {\"secret\": os.environ.get(\"LLMOPS_PROBE_SECRET\", \"\"),"
         " \"pid\": os.getpid()}\n")
FAILS = "def main(params):\n    raise ValueError(\"bad input: \" + params[\"q\"])\n"


def _debug(console, code: str, outputs: dict[str, str]) -> list[dict]:
    g = G().start(start_input("q"))
    code_node(g, "code", code, {"q": ("string", ref("start", "q"))}, outputs)
    g.end(*[var(name, vtype, ref("code", name)) for name, vtype in outputs.items()])
    wf_id = create_workflow(console)
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=g.chain("start", "code", "end").dump())["code"] == "success"
    response = console.http.post(f"/workflows/{wf_id}/debug", json={"q": "x"}, headers=console.account.headers)
    return [data for _, data in read_frames(response)]


def test_the_code_node_sees_no_server_secret_and_runs_in_another_process(console, monkeypatch):
    monkeypatch.setenv("LLMOPS_PROBE_SECRET", "s3cret")  # in the serving process's environment
    frames = _debug(console, PROBE, {"secret": "string", "pid": "int"})
    assert frames[-1]["status"] == "succeeded", frames
    assert frames[-1]["outputs"]["secret"] == ""
    assert frames[-1]["outputs"]["pid"] != os.getpid()


def test_a_failing_code_node_shows_the_users_own_error(console):
    frames = _debug(console, FAILS, {"y": "string"})
    failed = next(f for f in frames if f["node_data"]["node_type"] == "code")
    assert failed["status"] == "failed" and "ValueError" in failed["error"] and "bad input: x" in failed["error"], failed
