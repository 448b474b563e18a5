"""`POST /openapi/workflows/<id>/run` with an API key: the published graph, blocking JSON or SSE
events, real status codes for every refusal, one recorded run per call."""
from __future__ import annotations

from sqlalchemy import select

from internal.model.workflow import WorkflowResult
from internal.service.api_key_service import ApiKeyService
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .helpers import create_workflow, read_frames, runnable_graph, with_literal


def api_key(app, account_id) -> dict[str, str]:
    with app.app_context():
        _, raw = app.extensions["injector"].get(ApiKeyService).create_api_key(account_id, True, "wf")
    return {"Authorization": f"Bearer {raw}"}


def published(console) -> str:
    wf_id = create_workflow(console)
    console.post(f"/workflows/{wf_id}/draft-graph", json=runnable_graph())
    read_frames(console.http.post(f"/workflows/{wf_id}/debug", json={"query": "q"}, headers=console.account.headers))
    assert console.post(f"/workflows/{wf_id}/publish")["code"] == "success"
    return wf_id


def test_blocking_and_streaming_runs_of_the_published_graph(app, console):
    wf_id = published(console)
    # a later draft edit does not change what the API runs
    console.post(f"/workflows/{wf_id}/draft-graph", json=with_literal(runnable_graph(), "draft {{ q }}"))
    key = api_key(app, console.account.account_id)
    http = app.test_client()

    resp = http.post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"query": "API"}}, headers=key)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == "succeeded" and body["error"] == ""
    assert body["outputs"] == {"answer": "你好，API！", "length": 7, "shout": "你好，API！"}
    assert [n["node_type"] for n in body["node_results"]] == ["start", "template_transform", "code", "end"]

    resp = http.post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"query": "S"}, "stream": True}, headers=key)
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = list(sse.parse([resp.get_data()]))
    names = [e for e, _ in events]
    assert names[:2] == ["ping", "run_started"] and names[-1] == "run_succeeded"
    assert events[0][1] == {"run_id": events[1][1]["run_id"]}  # the run id comes first, at once
    assert names.count("node_succeeded") == 4 and names.count("node_started") == 4
    assert events[-1][1]["outputs"]["answer"] == "你好，S！"

    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        runs = db.session.scalars(select(WorkflowResult).where(WorkflowResult.invoke_from == "service_api")).all()
        assert len(runs) == 2 and {r.status for r in runs} == {"succeeded"}


def test_refusals_have_real_status_codes(app, console, other_console):
    wf_id = published(console)
    draft_id = create_workflow(console)
    key = api_key(app, console.account.account_id)
    http = app.test_client()
    run = f"/openapi/workflows/{wf_id}/run"
    assert http.post(run, json={"inputs": {"query": "x"}}).status_code == 401
    assert http.post(run, json={"inputs": {"query": "x"}}, headers=console.account.headers).status_code == 401
    assert http.post(f"/openapi/workflows/{draft_id}/run", json={"inputs": {}}, headers=key).status_code == 404
    other_key = api_key(app, other_console.account.account_id)
    assert http.post(run, json={"inputs": {"query": "x"}}, headers=other_key).status_code == 404
    missing = http.post(run, json={"inputs": {}}, headers=key)
    assert missing.status_code == 400 and missing.get_json()["data"]["errors"][0]["field"] == "inputs.query"
    assert http.post(run, json={"inputs": {"query": "x"}, "stream": "yes"}, headers=key).status_code == 400
    assert http.post(run, json={"query": "x"}, headers=key).status_code == 400  # inputs go under "inputs"
    assert http.post(run, data="{", headers={**key, "Content-Type": "application/json"}).status_code == 400


def test_an_unknown_path_of_the_api_answers_like_the_api(app):
    resp = app.test_client().post("/openapi/workflows/not-a-uuid/run", json={"inputs": {}})
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"  # not the console's HTTP 200


def test_a_run_can_be_read_back(app, console, other_console):
    wf_id = published(console)
    key = api_key(app, console.account.account_id)
    http = app.test_client()
    ran = http.post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"query": "再读"}}, headers=key).get_json()
    got = http.get(f"/openapi/workflows/{wf_id}/runs/{ran['run_id']}", headers=key)
    assert got.status_code == 200 and got.get_json() == ran  # the same answer as the blocking call
    other = api_key(app, other_console.account.account_id)
    assert http.get(f"/openapi/workflows/{wf_id}/runs/{ran['run_id']}", headers=other).status_code == 404
    other_wf = create_workflow(console)
    assert http.get(f"/openapi/workflows/{other_wf}/runs/{ran['run_id']}", headers=key).status_code == 404


def test_an_account_has_a_bounded_number_of_runs_at_once(app, console):
    from internal.service.workflow.run_slots import RunSlots

    from .helpers import debug_refusal

    wf_id = published(console)
    key = api_key(app, console.account.account_id)
    slots = app.extensions["injector"].get(RunSlots)
    held = [slots.acquire(console.account.account_id) for _ in range(slots.limit)]  # as if that many were running
    try:
        http = app.test_client()
        busy = http.post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"query": "x"}}, headers=key)
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "5"
        assert http.post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"query": "x"}, "stream": True},
                         headers=key).status_code == 429
        assert debug_refusal(console, wf_id, {"query": "x"})["code"] == "fail"
    finally:
        for slot in held:
            slot.release()
    ok = app.test_client().post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"query": "x"}}, headers=key)
    assert ok.status_code == 200 and slots._running == {}
