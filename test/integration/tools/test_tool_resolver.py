"""ToolResolverService: dispatch by type, dataset retrieval as a tool over the real knowledge
base (indexed by a real Celery worker), and tenant isolation on resolution by id."""
from __future__ import annotations

import uuid

import pytest

from internal.core.tools.base import ToolCallContext, ToolError, ToolNotFoundError, ToolRef, ToolType
from internal.core.tools.langchain_adapter import as_langchain_tool
from internal.service.tool.tool_resolver_service import ToolResolverService
from test.integration.test_knowledge_base import create_dataset, upload, wait_batch


def _resolve(app, account_id, ref):
    with app.app_context():
        return app.extensions["injector"].get(ToolResolverService).resolve(ref, ToolCallContext(account_id=account_id))


def test_dataset_retrieval_tool_and_tenant_isolation(app, console, other_console, celery_worker):
    ds = create_dataset(console)
    fid = upload(console, "penguins.txt", b"Emperor penguins breed in the Antarctic winter.\n\n"
                                          b"Their chicks huddle together for warmth.")
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "automatic",
                                                           "rule": {}})
    assert [d["status"] for d in wait_batch(console, ds, body["data"]["batch"])] == ["completed"]
    ref = {"type": "dataset", "provider_id": ds, "params": {"retrieval_strategy": "hybrid", "k": 2}}
    with app.app_context():
        tool = app.extensions["injector"].get(ToolResolverService).resolve(
            ref, ToolCallContext(account_id=console.account.account_id))
        assert tool.name == "dataset_retrieval" and tool.input_schema["required"] == ["query"]
        result = tool.invoke({"query": "where do emperor penguins breed"})
    assert result.ok and "Antarctic" in result.text
    # another tenant's id, a malformed id and a missing id all answer the same "not found"
    for account, provider_id in ((other_console.account.account_id, ds), (console.account.account_id, "nope"),
                                 (console.account.account_id, str(uuid.uuid4()))):
        with pytest.raises(ToolNotFoundError, match="^dataset not found$"):
            _resolve(app, account, {**ref, "provider_id": provider_id})
    # a foreign id nested in params is checked too
    other_ds = create_dataset(other_console)
    with pytest.raises(ToolNotFoundError):
        _resolve(app, console.account.account_id, {**ref, "params": {"dataset_ids": [other_ds]}})
    with pytest.raises(ToolError, match="k must be"):
        _resolve(app, console.account.account_id, {**ref, "params": {"k": 99}})


def test_builtin_resolution_and_the_langchain_adapter(tools_app, tconsole):
    tool = _resolve(tools_app, tconsole.account.account_id,
                    ToolRef(type=ToolType.BUILTIN, provider_id="calculator", tool_id="calculate"))
    assert tool.name == "calculate" and tool.input_schema["properties"]["expression"]["type"] == "string"
    lc = as_langchain_tool(tool)
    assert lc.name == "calculate" and "56" in str(lc.invoke({"expression": "7*8"}))
    missing_input = tool.invoke({})
    assert not missing_input.ok and "expression" in missing_input.text
    for bad in (ToolRef(type=ToolType.BUILTIN, provider_id="calculator", tool_id="nope"),
                ToolRef(type=ToolType.BUILTIN, provider_id="nope", tool_id="calculate")):
        with pytest.raises(ToolNotFoundError):
            _resolve(tools_app, tconsole.account.account_id, bad)
    # published workflows are tools (test/integration/workflow/test_workflow_as_tool.py): an unknown id is not found
    with pytest.raises(ToolNotFoundError, match="workflow not found"):
        _resolve(tools_app, tconsole.account.account_id, ToolRef(type=ToolType.WORKFLOW, provider_id=str(uuid.uuid4())))


def test_results_are_capped(tools_app, tconsole):
    tool = _resolve(tools_app, tconsole.account.account_id,
                    ToolRef(type=ToolType.BUILTIN, provider_id="text", tool_id="regex_extract"))
    from internal.core.tools.base import ToolLimits

    r = tool.invoke({"text": "ab " * 3000, "pattern": "ab", "max_matches": 500}, ToolLimits(max_result_chars=300))
    assert r.ok and r.truncated and len(r.text) == 300
