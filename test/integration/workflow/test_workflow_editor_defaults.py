"""What the editor autosaves the moment a node is dropped: each of its 8 node types with the
editor's default data (empty prompt, no tool chosen, empty URL, empty code, a retrieval input
whose reference is empty…), unconnected. Every such draft saves and reads back equal; debug then
names what is missing."""
from __future__ import annotations

import uuid

from .helpers import create_workflow, debug_refusal

GEN = {"type": "generated", "content": ""}
DEFAULTS = {
    "start": {"title": "开始节点_aB3dE", "description": "工作流的起点节点", "inputs": []},
    "llm": {"title": "大语言模型_Qw9Lk", "description": "调用大语言模型", "prompt": "",
            "model_config": {"provider": "openai", "model": "gpt-4o-mini",
                             "parameters": {"frequency_penalty": 0.2, "max_tokens": 8192, "presence_penalty": 0.2,
                                            "temperature": 0.5, "top_p": 0.85}},
            "inputs": [], "outputs": [{"name": "output", "type": "string", "value": GEN}]},
    "tool": {"title": "扩展插件_Pm2Vc", "description": "调用插件", "tool_type": "", "provider_id": "", "tool_id": "",
             "params": {}, "inputs": [], "outputs": [{"name": "text", "type": "string", "value": GEN}],
             "meta": {"type": "api_tool", "provider": {"id": "", "name": "", "label": "", "icon": "", "description": ""},
                      "tool": {"id": "", "name": "", "label": "", "description": "", "params": {}}}},
    "dataset_retrieval": {"title": "知识库检索_Ab3xZ", "description": "检索", "dataset_ids": [],
                          "retrieval_config": {"retrieval_strategy": "semantic", "k": 4, "score": 0},
                          "inputs": [{"name": "query", "type": "string",
                                      "value": {"type": "ref", "content": {"ref_node_id": "", "ref_var_name": ""}}}],
                          "outputs": [{"name": "combine_documents", "type": "string", "value": GEN}],
                          "meta": {"datasets": []}},
    "template_transform": {"title": "模板转换_Tt1Aa", "description": "格式处理", "template": "", "inputs": [],
                           "outputs": [{"name": "output", "type": "string", "value": GEN}]},
    "http_request": {"title": "HTTP请求_Lk8Rt", "description": "请求", "url": "", "method": "get", "inputs": [],
                     "outputs": [{"name": "status_code", "type": "int", "value": {"type": "generated", "content": 0}},
                                 {"name": "text", "type": "string", "value": GEN}]},
    "code": {"title": "Python代码执行_Zx4Nb", "description": "代码", "code": "", "inputs": [], "outputs": []},
    "end": {"title": "结束节点_Ee5Rr", "description": "结束", "outputs": []},
}


def test_every_node_the_editor_drops_autosaves(console):
    wf_id = create_workflow(console)
    nodes = []
    for i, (node_type, data) in enumerate(DEFAULTS.items()):
        nodes.append({"id": str(uuid.uuid4()), "node_type": node_type, "position": {"x": 100.5 * i, "y": 0}, **data})
        graph = {"nodes": list(nodes), "edges": []}
        saved = console.post(f"/workflows/{wf_id}/draft-graph", json=graph)
        assert saved["code"] == "success", (node_type, saved)
        assert console.get(f"/workflows/{wf_id}/draft-graph")["data"] == graph
    refused = debug_refusal(console, wf_id, {})
    assert refused["code"] == "validate_error"
    named = {e["node_id"] for e in refused["data"]["errors"] if e["node_id"]}
    assert named, refused  # the unfinished nodes are named, e.g. the LLM's empty prompt
