"""The engine's ports as bound to the platform, through the debug route: parallel branches on
the engine's pool threads (no Flask context of their own) reaching a builtin tool, and the HTTP
node behind the SSRF guard — a private address is a node error, which the node's error policy
then handles (course defect #3)."""
from __future__ import annotations

from test.unit.workflow.builders import G, ref, start_input, template_node, var

from .helpers import create_workflow, read_frames


def run(console, graph: dict, inputs: dict) -> list[dict]:
    wf_id = create_workflow(console)
    saved = console.post(f"/workflows/{wf_id}/draft-graph", json=graph)
    assert saved["code"] == "success", saved
    response = console.http.post(f"/workflows/{wf_id}/debug", json=inputs, headers=console.account.headers)
    return [data for _, data in read_frames(response)]


def test_parallel_branches_reach_a_builtin_tool(console):
    g = G().start(start_input("expr"))
    g.add("calc", "tool", title="计算器", tool_type="builtin_tool", provider_id="calculator", tool_id="calculate",
          params={}, inputs=[var("expression", "string", ref("start", "expr"))], outputs=[var("text")])
    template_node(g, "tpl", "算式 {{ e }}", e=ref("start", "expr"))
    g.end(var("result", "string", ref("calc", "text")), var("label", "string", ref("tpl", "output")))
    g.link("start", "calc").link("start", "tpl").link("calc", "end").link("tpl", "end")
    frames = run(console, g.dump(), {"expr": "(3 + 4) * 6"})
    assert sorted(f["node_data"]["node_type"] for f in frames[1:3]) == ["template_transform", "tool"]
    assert all(f["status"] == "succeeded" for f in frames), frames
    assert "42" in frames[-1]["outputs"]["result"] and frames[-1]["outputs"]["label"] == "算式 (3 + 4) * 6"


def _http_graph(url: str, policy: dict | None = None) -> dict:
    g = G().start(start_input("q"))
    g.add("http", "http_request", title="HTTP", url=url, method="get",
          inputs=[var("q", "string", ref("start", "q"), meta={"type": "params"})],
          outputs=[var("status_code", "int"), var("text")], **({"error_policy": policy} if policy else {}))
    g.end(var("status", "int", ref("http", "status_code")), var("body", "string", ref("http", "text")))
    return g.chain("start", "http", "end").dump()


def test_the_http_node_cannot_reach_private_addresses(console):
    for url in ("http://127.0.0.1:5432/", "http://169.254.169.254/latest/meta-data/", "http://localhost:6379/"):
        frames = run(console, _http_graph(url), {"q": "x"})
        failed = frames[-1]
        assert failed["node_data"]["node_type"] == "http_request" and failed["status"] == "failed", frames
        assert "non-public address" in failed["error"], failed["error"]  # says why, nothing else


def test_an_error_policy_takes_over_a_refused_request(console):
    policy = {"strategy": "default_value", "default_outputs": {"status_code": 599, "text": "unreachable"}}
    frames = run(console, _http_graph("http://10.0.0.1/", policy), {"q": "x"})
    assert [f["status"] for f in frames] == ["succeeded", "failed", "succeeded"]
    assert frames[-1]["outputs"] == {"status": 599, "body": "unreachable"}
