"""The workflow routes' messages in the console's language (docs/i18n.md): Chinese with
Accept-Language zh-CN, including a named field's detail and the debug route's SSE refusals."""
from __future__ import annotations

from .helpers import ICON, create_workflow, debug_refusal, runnable_graph

ZH = {"Accept-Language": "zh-CN"}


def test_messages_in_chinese(console):
    wf_id = create_workflow(console, tool_call_name="taken")
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=runnable_graph(), headers=ZH)["message"] == "草稿已保存"
    assert console.post(f"/workflows/{wf_id}/publish", headers=ZH)["message"] == "请先在调试面板中成功运行工作流，再发布"
    taken = console.post("/workflows", json={"name": "x", "tool_call_name": "taken", "icon": ICON}, headers=ZH)
    assert taken["message"] == "tool_call_name: 你的另一个工作流已在使用这个名称"
    assert debug_refusal(console, "00000000-0000-4000-8000-000000000000", {}, headers=ZH)["message"] == "工作流不存在"
    assert console.post(f"/workflows/{wf_id}/delete", headers=ZH)["message"] == "工作流已删除"
