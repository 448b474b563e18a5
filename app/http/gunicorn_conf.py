"""Production gunicorn settings; every value can be overridden by GUNICORN_* env or CLI flags.

gthread workers: one process per core, threads for concurrent I/O-bound requests (model
calls and SSE streams spend their time waiting on upstreams).
"""
import multiprocessing
import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:5000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "300"))  # long streams
graceful_timeout = 30
keepalive = 5
accesslog = None  # request logs come from the app, with request ids
errorlog = "-"


def on_starting(server):
    # Prometheus multiprocess mode: each worker writes mmap files that /metrics sums.
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="llmops-metrics-")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
