from .context import RunLimits
from .engine import CompiledWorkflow, RunNotFoundError, WorkflowEngine

__all__ = ["CompiledWorkflow", "RunLimits", "RunNotFoundError", "WorkflowEngine"]
