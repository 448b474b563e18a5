"""The workflow engine (issue 12): graph model and validation (entities/, validation/), node
executors (nodes/), the parallel, durable scheduler (engine/) and the ports it needs from the
rest of the platform (ports.py). Free of Flask, handlers and services."""
