"""`flask` CLI commands; each module has an init_app(app) that registers its group on app.cli."""
