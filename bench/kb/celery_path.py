"""Indexing throughput through the platform path: console API upload -> documents -> Celery
worker process -> PostgreSQL rows + stores -> completed, vs. the raw embedding model on the
same segment texts.

    python -m bench.kb.celery_path --limit 300                 # production layout
    python -m bench.kb.celery_path --limit 300 --layout dev    # make dev's layout

``--layout production`` (default) needs PostgreSQL and Redis (the same services as the
integration tests) and uses its own database and Redis database 0 (the test fixtures use 1-15
and flush them). ``--layout dev`` is the embedded default exactly as ``make dev`` runs it:
SQLite, the filesystem broker, in-process embedding cache and the worker command of
``app.dev.worker_command``.

Then (``--hit-queries N``, default 100) the same run starts the web server on the indexed
dataset and times hit testing through the console API against the engine in this process, side
by side (bench/kb/hit_latency.py).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]


def main():
    from flask_migrate import upgrade

    from app.http.app import create_app
    from internal.core.embeddings.local_minilm import LocalMiniLMEmbeddings
    from internal.core.indexing import KnowledgeBase
    from internal.core.text_splitter import ProcessRule
    from internal.model.dataset import Document, Segment
    from pkg.sqlalchemy import SQLAlchemy
    from test.conftest import ConsoleClient, make_account
    from test.support.environment import (
        config_env,
        create_pg_database,
        drop_pg_database,
        free_port,
        make_test_config,
        pg_url,
    )
    from test.support.processes import ManagedProcess, start_celery_worker, start_server, wait_until

    from .hit_latency import side_by_side

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("SCIFACT_DIR", str(ROOT.parent / "shared" / "data" / "scifact")))
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--worker-concurrency", type=int, default=os.cpu_count() or 1,
                    help="Celery prefork processes (production: one per core)")
    ap.add_argument("--embedding-threads", type=int, default=1,
                    help="EMBEDDING_THREADS of the worker (production: 1 per process)")
    ap.add_argument("--layout", choices=("production", "dev"), default="production",
                    help="production: PostgreSQL + Redis + prefork worker; dev: make dev's embedded default")
    ap.add_argument("--dev-pool", default="prefork", help="--layout dev only: Celery pool (threads = the old make dev)")
    ap.add_argument("--hit-queries", type=int, default=100, help="SciFact queries for the hit-test side by side (0: skip)")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    out_path = Path(args.out or ROOT / "bench" / "results" / f"kb-celery-{args.layout}.json")

    docs = []
    with open(Path(args.data) / "corpus.jsonl") as fh:
        for line in fh:
            r = json.loads(line)
            docs.append((r["_id"], (r.get("title", "") + "\n\n" + r.get("text", "")).strip()))
            if len(docs) >= args.limit:
                break
    tmp = Path(tempfile.mkdtemp(prefix="kb-celery-bench-"))
    database = None
    if args.layout == "production":
        database = create_pg_database("kbbench")
        conf = make_test_config(tmp / "instance", SQLALCHEMY_DATABASE_URI=pg_url(database),
                                REDIS_URL="redis://127.0.0.1:6379/0", CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
                                EMBEDDING_CACHE="memory",  # a cold cache: every chunk is embedded
                                EMBEDDING_THREADS=args.embedding_threads)
    else:  # SQLite + filesystem broker under INSTANCE_DIR, in-process (cold) embedding cache
        conf = make_test_config(tmp / "instance", EMBEDDING_THREADS=args.embedding_threads)
    app = create_app(conf)
    with app.app_context():
        upgrade()
    if args.layout == "production":
        worker = start_celery_worker(config_env(conf), tmp / "worker.log", name=f"kbbench-{uuid.uuid4().hex[:6]}",
                                     concurrency=args.worker_concurrency)
    else:
        from app.dev import worker_command

        worker = ManagedProcess(worker_command(conf, args.worker_concurrency, args.dev_pool), config_env(conf), tmp / "worker.log")
        wait_until(lambda: "ready." in worker.log_tail(20000), timeout=60, what="Celery worker", process=worker)
    server = None
    try:
        account = make_account(app)
        console = ConsoleClient(app, account)
        db = app.extensions["injector"].get(SQLAlchemy)
        ds = console.post("/datasets", json={"name": "scifact", "icon": "", "description": ""})["data"]["id"]

        def upload(name, text):
            body = console.post("/upload-files/file", data={"file": (io.BytesIO(text.encode()), name)},
                                content_type="multipart/form-data")
            return body["data"]["id"]

        def run(batch_ids):
            batches = []
            for i in range(0, len(batch_ids), 10):
                body = console.post(f"/datasets/{ds}/documents",
                                    json={"upload_file_ids": batch_ids[i : i + 10], "process_type": "automatic"})
                batches.append(body["data"]["batch"])
            # poll with one cheap query every 0.2 s (polling the batch routes would compete with
            # the worker for the two cores)
            while True:
                with app.app_context():
                    pending = db.session.scalar(
                        select(func.count()).select_from(Document).where(
                            Document.dataset_id == uuid.UUID(ds), Document.status.not_in(("completed", "error"))
                        )
                    )
                    db.session.remove()
                if not pending:
                    return [d["status"] for b in batches for d in console.get(f"/datasets/{ds}/documents/batch/{b}")["data"]]
                time.sleep(0.2)

        kb = app.extensions["injector"].get(KnowledgeBase)
        # the raw model at its best on this machine: one process, all cores, no cache
        emb = LocalMiniLMEmbeddings(threads=os.cpu_count() or 1)
        emb.embed_array(["warm up"])

        def raw_seconds(texts):
            t0 = time.perf_counter()
            emb.embed_array(texts)
            return time.perf_counter() - t0

        # the same segment texts the platform will produce (its own splitter), embedded by the
        # raw model before and after the platform run: the mean evens out load drift on a
        # shared machine
        pipe = kb.pipeline(kb.default_model)
        rule = ProcessRule.from_dict({"mode": "automatic", "rule": {}})
        texts = [p.content for cid, text in docs for p in pipe.split(str(uuid.uuid4()), text, rule)]
        raw_before = raw_seconds(texts)

        # warm-up: the worker loads the model on its first document
        run([upload("warmup.txt", "warm up document")])
        ids = [upload(f"{cid}.txt", text) for cid, text in docs]
        t0 = time.perf_counter()
        states = run(ids)
        elapsed = time.perf_counter() - t0
        raw_after = raw_seconds(texts)
        with app.app_context():
            n = db.session.scalar(select(func.count()).select_from(Segment).where(Segment.dataset_id == uuid.UUID(ds))) - 1
        assert n == len(texts), (n, len(texts))  # minus the warm-up segment
        raw = (raw_before + raw_after) / 2
        res = {
            "documents": len(docs),
            "completed": states.count("completed"),
            "segments": n,
            "platform_chunks_per_s": n / elapsed,
            "raw_model_chunks_per_s": n / raw,
            "raw_model_chunks_per_s_before_after": [n / raw_before, n / raw_after],
            "ratio": (n / elapsed) / (n / raw),
            "platform_seconds": elapsed,
            "worker": {"layout": args.layout, "pool": args.dev_pool if args.layout == "dev" else "prefork", "concurrency": args.worker_concurrency,
                       "embedding_threads": args.embedding_threads},
            "loadavg_1m": os.getloadavg()[0],
        }
        print(json.dumps(res, indent=1))
        if args.hit_queries:
            port = free_port()
            server = start_server(config_env(conf), port, tmp / "server.log", workers=1)  # make dev: one web process
            with open(Path(args.data) / "queries.jsonl") as fh:
                queries = [json.loads(line)["text"] for line in fh][: args.hit_queries]
            with app.app_context():
                model = kb.default_model
            res["hit_test"] = side_by_side(f"http://127.0.0.1:{port}", account.headers, kb, str(account.account_id), ds, model, queries)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(res, indent=2))
    finally:
        if server is not None:
            server.stop()
        worker.stop()
        with app.app_context():
            app.extensions["injector"].get(SQLAlchemy).engine.dispose()
        if database:
            drop_pg_database(database)


if __name__ == "__main__":
    main()
