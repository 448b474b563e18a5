"""Production gunicorn settings; every value can be overridden by GUNICORN_* env or CLI flags.

gevent workers (the default): one process per core, each serving many concurrent requests as
greenlets — the gateway's work is waiting on upstreams (model calls, SSE streams), and a
greenlet switch costs far less CPU than gthread's poller/thread hand-off (docs/operations.md,
docs/language-models.md §9). gunicorn's gevent worker monkey-patches the process before the app
is imported; psycopg 3 notices the patched process and waits through gevent, so a database
query parks only its own greenlet; CPU-bound calls (local model, ONNX embeddings, vector scans)
run on gevent's native thread pool via pkg.cooperative. GUNICORN_WORKER_CLASS=gthread (with
GUNICORN_THREADS) is the thread-based alternative; it needs none of this.
"""
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:5000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "app.http.gevent_worker.GeventWorker")
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))  # gevent: per worker
threads = int(os.environ.get("GUNICORN_THREADS", "16"))  # gthread only
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "300"))  # long streams
graceful_timeout = 30
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))  # idle keep-alive connections close after this
# connections the kernel queues while the worker is busy (a burst of new streams); capped by net.core.somaxconn
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
accesslog = None  # request logs come from the app, with request ids
errorlog = "-"


_OWN_METRICS_DIR = "LLMOPS_GUNICORN_OWNS_METRICS_DIR"


def on_starting(server):
    # Prometheus multiprocess mode: each worker writes mmap files that /metrics sums.
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="llmops-metrics-")
        os.environ[_OWN_METRICS_DIR] = "1"


def on_exit(server):
    # a directory this master created dies with it (one was left in /tmp per start before)
    if os.environ.pop(_OWN_METRICS_DIR, None):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
