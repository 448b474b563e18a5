"""Apps may name the caller's published workflows (the apps layer's WorkflowDirectory, bound by
the workflows module): a draft or another tenant's workflow is refused by name."""
from __future__ import annotations

from test.integration.app.helpers import create_app

from .test_workflow_api_run import published


def test_an_app_config_takes_published_workflows_only(console, other_console):
    app_id = create_app(console)
    wf_id = published(console)
    ok = console.post(f"/apps/{app_id}/draft-app-config", json={"workflows": [wf_id]})
    assert ok["code"] == "success", ok
    shown = console.get(f"/apps/{app_id}/draft-app-config")["data"]["workflows"]
    assert shown == [{"id": wf_id, "name": "客服工作流", "icon": "https://cdn.example.com/wf.png",
                      "description": "回答售后问题"}]

    assert console.post(f"/workflows/{wf_id}/cancel-publish")["code"] == "success"
    refused = console.post(f"/apps/{app_id}/publish")
    assert refused["code"] == "validate_error" and "workflows.0" in refused["message"]

    others = published(other_console)
    resp = console.post(f"/apps/{app_id}/draft-app-config", json={"workflows": [others]})
    assert resp["code"] == "validate_error" and resp["message"].startswith("workflows.0")
