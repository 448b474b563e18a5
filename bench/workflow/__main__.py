"""``python -m bench.workflow``: the in-process engine benchmark (bench/workflow/engine.py)."""
from bench.workflow.engine import main

main()
