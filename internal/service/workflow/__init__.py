"""Workflows (issue 12, docs/workflows.md): CRUD and the draft graph, debug runs streamed as SSE,
publishing; the engine's ports bound to the platform."""
