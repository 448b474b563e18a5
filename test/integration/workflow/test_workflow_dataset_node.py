"""The knowledge retrieval node over a real knowledge base (a document indexed by the Celery
worker process): the retrieval port reaches DatasetService.retrieve for the caller's datasets
(tenant-checked, the query logged as the app's), and the node's `combine_documents` holds the
matching segment."""
from __future__ import annotations

from test.integration.test_knowledge_base import upload, wait_batch
from test.unit.workflow.builders import G, ref, start_input, var

from .helpers import create_dataset, create_workflow, read_frames

DOC = b"# Photosynthesis\n\nChlorophyll absorbs light to convert carbon dioxide into glucose.\n"


def test_the_retrieval_node_reads_the_callers_knowledge_base(console, celery_worker):
    ds = create_dataset(console)
    created = console.post(f"/datasets/{ds}/documents", json={
        "upload_file_ids": [upload(console, "notes.md", DOC)], "process_type": "automatic", "rule": {}})
    assert created["code"] == "success", created
    assert [d["status"] for d in wait_batch(console, ds, created["data"]["batch"])] == ["completed"]

    g = G().start(start_input("query"))
    g.add("kb", "dataset_retrieval", title="知识库检索", dataset_ids=[ds],
          retrieval_config={"retrieval_strategy": "full_text", "k": 3, "score": 0},
          inputs=[var("query", "string", ref("start", "query"))], outputs=[var("combine_documents")])
    g.end(var("context", "string", ref("kb", "combine_documents")))
    wf_id = create_workflow(console)
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=g.chain("start", "kb", "end").dump())["code"] == "success"
    frames = [d for _, d in read_frames(console.http.post(f"/workflows/{wf_id}/debug", json={"query": "Chlorophyll"},
                                                         headers=console.account.headers))]
    assert [f["status"] for f in frames] == ["succeeded"] * 3, frames
    assert "Chlorophyll absorbs light" in frames[-1]["outputs"]["context"]
    queries = console.get(f"/datasets/{ds}/queries")["data"]
    assert queries[0]["query"] == "Chlorophyll" and queries[0]["source"] == "app"
