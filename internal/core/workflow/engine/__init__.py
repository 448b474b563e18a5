from .context import RunLimits
from .engine import CompiledWorkflow, RunNotFoundError, WorkflowEngine, new_run_header

__all__ = ["CompiledWorkflow", "RunLimits", "RunNotFoundError", "WorkflowEngine", "new_run_header"]
