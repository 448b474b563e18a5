"""The console's workflow pages over real HTTP against the production server (gunicorn, gevent
workers), with the fake OpenAI upstream behind the model gateway, on both layouts: create → sync
the draft exactly as llmops-ui sends it → read it back equal → edit it into a runnable graph →
debug SSE with node frames (DESIGN §1; the LLM node through the gateway; on the production layout
the runs execute on a Celery worker and stream back through Redis) → publish → run it with
an API key, blocking and streaming (the LLM's chunks) → cancel publish (the API stops serving it)."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from internal.service.account_service import AccountService
from pkg import sse
from test.integration.workflow.helpers import ICON, runnable_graph, ui_graph
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import LAYOUTS, live_stack
from test.unit.workflow.builders import MODEL, ref, var

ORIGIN = "http://console.test"
ROUTER_YAML = """
settings: {{num_retries: 0, timeout: 10}}
model_groups:
  "openai/gpt-4o-mini":
    deployments:
      - {{id: fake, provider: openai_compatible, model: fake-gpt, api_base: "{base}/v1", api_key: sk-upstream}}
"""
LLM_ID = "00000000-0000-4000-8000-0000000000aa"


@pytest.fixture(scope="module", params=LAYOUTS)
def stack(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"wf-e2e-{request.param}")
    upstream, upstream_url = start_fake_upstream(tmp / "fake-upstream.log")
    router_yaml = tmp / "router.yaml"
    router_yaml.write_text(ROUTER_YAML.format(base=upstream_url))
    try:
        with live_stack(tmp, "wf_e2e", 3, {"LLM_ROUTER_CONFIG": str(router_yaml)}, layout=request.param,
                        worker=request.param == "production") as live:  # production: runs on the worker
            yield live
    finally:
        upstream.stop()


def _login(http: httpx.Client, stack) -> dict[str, str]:
    email, password = f"e2e-wf-{time.time_ns()}@example.com", "E2e-passw0rd"
    with stack.app.app_context():
        stack.app.extensions["injector"].get(AccountService).create_account(email, password, "T")
    token = http.post("/auth/password-login", json={"email": email, "password": password}).json()["data"]["access_token"]
    return {"Authorization": f"Bearer {token}"}


def with_llm(graph: dict) -> dict:
    """The runnable graph with an LLM node between start and the template (what the editor sends)."""
    start, tpl = graph["nodes"][0]["id"], graph["nodes"][1]["id"]
    llm = {"id": LLM_ID, "node_type": "llm", "title": "大语言模型", "description": "", "position": {"x": 5, "y": 5},
           "prompt": "回答：{{query}}", "model_config": MODEL, "inputs": [var("query", "string", ref(start, "query"))],
           "outputs": [var("output")]}
    graph["nodes"].insert(1, llm)
    graph["edges"] = [e for e in graph["edges"] if e["source"] != start]
    graph["edges"] += [{"id": "e-s-llm", "source": start, "source_type": "start", "target": LLM_ID, "target_type": "llm"},
                       {"id": "e-llm-t", "source": LLM_ID, "source_type": "llm", "target": tpl,
                        "target_type": "template_transform"}]
    graph["nodes"][2]["inputs"][0]["value"] = ref(LLM_ID, "output")
    return graph


def test_workflow_editor_flow_over_http(stack):
    with httpx.Client(base_url=stack.url, timeout=60, headers={"Origin": ORIGIN}) as http:
        auth = _login(http, stack)

        def call(method: str, path: str, **kw) -> dict:
            resp = http.request(method, path, headers=auth, **kw)
            assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == ORIGIN
            return resp.json()

        wf_id = call("POST", "/workflows", json={"name": "售后", "tool_call_name": "after_sales", "icon": ICON,
                                                 "description": "d"})["data"]["id"]
        dataset_id = call("POST", "/datasets", json={"name": "手册", "icon": "", "description": ""})["data"]["id"]
        graph = ui_graph(dataset_id)
        # the editor posts its JSON as the body, byte for byte
        saved = http.post(f"/workflows/{wf_id}/draft-graph", headers={**auth, "Content-Type": "application/json"},
                          content=json.dumps(graph, ensure_ascii=False).encode())
        assert saved.json()["code"] == "success", saved.text
        assert call("GET", f"/workflows/{wf_id}/draft-graph")["data"] == graph

        runnable = with_llm(runnable_graph())
        assert call("POST", f"/workflows/{wf_id}/draft-graph", json=runnable)["code"] == "success"
        assert call("POST", f"/workflows/{wf_id}/publish")["code"] == "fail"  # not debugged

        frames = []
        with http.stream("POST", f"/workflows/{wf_id}/debug", json={"query": "保修多久"},
                         headers={**auth, "Accept": "text/event-stream"}) as resp:
            assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
            assert resp.headers["x-accel-buffering"] == "no" and "content-encoding" not in resp.headers
            for chunk in resp.iter_bytes():
                frames += list(sse.parse([chunk]))  # each frame whole in one read, as the console needs
        types = [d["node_data"]["node_type"] for _, d in frames]
        assert types == ["start", "llm", "template_transform", "code", "end"], frames
        for event, data in frames:
            assert event == "workflow" and data["status"] == "succeeded" and isinstance(data["latency"], float)
            assert data["node_data"]["title"]
        llm = frames[1][1]
        assert llm["outputs"]["output"].startswith("Hello from the fake upstream") and llm["total_tokens"] > 0
        assert frames[-1][1]["outputs"]["answer"] == "你好，" + llm["outputs"]["output"] + "！"

        assert call("GET", f"/workflows/{wf_id}")["data"]["is_debug_passed"] is True
        assert call("POST", f"/workflows/{wf_id}/publish")["code"] == "success"
        listed = call("GET", "/workflows", params={"status": "published", "search_word": "", "current_page": 1})
        assert [w["id"] for w in listed["data"]["list"]] == [wf_id]

        # the published workflow through the API-key route, blocking and streaming
        key = {"Authorization": "Bearer " + call("POST", "/openapi/api-keys", json={"remark": "e2e"})["data"]["api_key"]}
        run = f"/openapi/workflows/{wf_id}/run"
        blocking = http.post(run, headers=key, json={"inputs": {"query": "多久"}})
        assert blocking.status_code == 200, blocking.text
        result = blocking.json()
        assert result["status"] == "succeeded" and result["outputs"]["answer"].startswith("你好，Hello from the fake")
        assert [n["node_type"] for n in result["node_results"]] == ["start", "llm", "template_transform", "code", "end"]
        with http.stream("POST", run, headers=key, json={"inputs": {"query": "多久"}, "stream": True}) as resp:
            assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
            events = list(sse.parse(resp.iter_bytes()))
        names = [e for e, _ in events]
        assert names[:2] == ["ping", "run_started"] and names[-1] == "run_succeeded" and "node_chunk" in names
        streamed = "".join(d["text"] for e, d in events if e == "node_chunk")
        assert streamed == next(d for e, d in events if e == "node_succeeded" and d["node_type"] == "llm")["outputs"]["output"]
        assert http.post(run, json={"inputs": {"query": "x"}}).status_code == 401

        assert call("POST", f"/workflows/{wf_id}/cancel-publish")["code"] == "success"
        assert call("GET", f"/workflows/{wf_id}")["data"]["status"] == "draft"
        assert http.post(run, headers=key, json={"inputs": {"query": "x"}}).status_code == 404

        refused = http.post(f"/workflows/{wf_id}/debug", json={}, headers=auth)  # still SSE, one frame
        assert refused.status_code == 200 and refused.headers["content-type"].startswith("text/event-stream")
        [(event, bad)] = list(sse.parse([refused.content]))
        assert event == "workflow" and bad["node_data"]["node_type"] == "workflow" and bad["status"] == "failed"
        assert bad["code"] == "validate_error" and bad["errors"][0]["field"] == "inputs.query"
        assert call("POST", f"/workflows/{wf_id}/draft-graph", json={"nodes": [{"id": 1}]})["code"] == "validate_error"
