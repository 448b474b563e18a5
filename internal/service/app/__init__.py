"""Apps: CRUD, versioned configurations, publishing, conversations, web apps, builtin
templates and usage analysis (docs/apps.md)."""
