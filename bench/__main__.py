"""``make bench``: run every benchmark package under bench/ (each has a ``__main__``)."""
import pkgutil
import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.ispkg and (here / m.name / "__main__.py").exists())
only = sys.argv[1:]
for name in names:
    if only and name not in only:
        continue
    print(f"== bench.{name} ==", flush=True)
    sys.argv = [f"bench.{name}"]
    runpy.run_module(f"bench.{name}", run_name="__main__")
