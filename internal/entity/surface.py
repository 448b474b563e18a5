"""The HTTP surfaces of DESIGN §1. Each decides how errors are rendered and how callers authenticate."""
from enum import StrEnum


class Surface(StrEnum):
    CONSOLE = "console"  # JWT, envelope with HTTP 200
    OPENAPI = "openapi"  # API key, JSON with real status codes
    OPENAI = "openai"    # API key, OpenAI shapes and error JSON
    OPS = "ops"          # no auth, plain JSON


OPS_PATHS = ("/ping", "/health", "/metrics", "/openapi.json", "/docs")


def _is_third_party_api(path: str) -> bool:
    if path.startswith(("/openapi/chat", "/openapi/workflows/", "/v1/agents")):
        return True
    return (path == "/v1/chat" or path.startswith("/v1/chat/")) and not path.startswith("/v1/chat/completions")


def surface_for(blueprint: str | None, path: str) -> Surface:
    """Blueprint name decides for matched routes; the path prefix for 404/405s."""
    if blueprint:
        try:
            return Surface(blueprint.split(".")[0])
        except ValueError:
            pass
    if _is_third_party_api(path):
        return Surface.OPENAPI
    if path == "/v1" or path.startswith("/v1/"):
        return Surface.OPENAI
    if path in OPS_PATHS or path.startswith("/docs/"):
        return Surface.OPS
    return Surface.CONSOLE
