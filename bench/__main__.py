"""``make bench``: run every benchmark package under bench/ (each has a ``__main__``), plus the
extra entry points a package lists below (e.g. the knowledge base's platform-path run)."""
import pkgutil
import runpy
import sys
from pathlib import Path

EXTRA = {"kb": ["bench.kb.celery_path",  # upload -> Celery worker -> completed, needs PostgreSQL + Redis
                "bench.kb.celery_path --layout dev"],  # the same on make dev's embedded layout
         "workflow": ["bench.workflow.api"]}  # runs through the API on gunicorn, needs PostgreSQL + Redis

here = Path(__file__).resolve().parent
names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.ispkg and (here / m.name / "__main__.py").exists())
only = sys.argv[1:]
for name in names:
    if only and name not in only:
        continue
    for entry in (f"bench.{name}", *EXTRA.get(name, ())):
        module, *args = entry.split()
        print(f"== {entry} ==", flush=True)
        sys.argv = [module, *args]
        runpy.run_module(module, run_name="__main__")
