"""Tools: the builtin catalog and credentials (console), and the ToolResolver every agent and
workflow node resolves tools through (one source per ToolType)."""
