"""What the gateway accepts on each OpenAI endpoint: the body's checks (OpenAI's error params and
codes) and the fields passed on upstream."""
from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError

CHAT_PASSTHROUGH = (
    "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "temperature", "top_p",
    "max_tokens", "max_completion_tokens", "stop", "n", "presence_penalty", "frequency_penalty", "logit_bias",
    "logprobs", "top_logprobs", "seed", "user", "reasoning_effort", "modalities", "metadata",
)
COMPLETION_PASSTHROUGH = (
    "prompt", "suffix", "max_tokens", "temperature", "top_p", "n", "stop", "presence_penalty", "frequency_penalty",
    "logit_bias", "logprobs", "echo", "best_of", "seed", "user",
)
EMBEDDING_PASSTHROUGH = ("input", "encoding_format", "dimensions", "user")
IMAGE_PASSTHROUGH = ("prompt", "n", "size", "quality", "style", "response_format", "background", "output_format",
                      "moderation", "user")


def _require_model(body: Any) -> str:
    if not isinstance(body, dict):
        raise InvalidRequestError("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequestError("you must provide a model parameter", param="model", code="missing_required_parameter")
    return model


def _check_number(body: dict[str, Any], name: str, lo: float, hi: float) -> None:
    v = body.get(name)
    if v is None:
        return
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise InvalidRequestError(f"Invalid '{name}': expected a number between {lo} and {hi}.", param=name,
                                  code="invalid_value")


def _check_common(body: dict[str, Any]) -> None:
    _check_number(body, "temperature", 0, 2)
    _check_number(body, "top_p", 0, 1)
    for name in ("max_tokens", "max_completion_tokens", "n"):
        v = body.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise InvalidRequestError(f"Invalid '{name}': expected a positive integer.", param=name,
                                      code="invalid_value")
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, str) and not (
            isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop)):
        raise InvalidRequestError("Invalid 'stop': a string or a list of up to 4 strings.", param="stop",
                                  code="invalid_value")
    if "stream" in body and not isinstance(body["stream"], bool) and body["stream"] is not None:
        raise InvalidRequestError("Invalid 'stream': expected a boolean.", param="stream", code="invalid_type")


def validate_chat(body: Any) -> str:
    model = _require_model(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("'messages' must be a non-empty array.", param="messages",
                                  code="missing_required_parameter" if messages is None else "invalid_value")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "developer", "user", "assistant", "tool",
                                                             "function"):
            raise InvalidRequestError(f"Invalid 'messages[{i}].role'.", param=f"messages[{i}].role",
                                      code="invalid_value")
        if m["role"] == "tool" and not m.get("tool_call_id"):
            raise InvalidRequestError(f"'messages[{i}].tool_call_id' is required for tool messages.",
                                      param=f"messages[{i}].tool_call_id", code="missing_required_parameter")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list) or not all(
                isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict)
                and isinstance(t["function"].get("name"), str) for t in tools):
            raise InvalidRequestError("Invalid 'tools': expected an array of function tools.", param="tools",
                                      code="invalid_value")
    rf = body.get("response_format")
    if rf is not None and (not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object", "json_schema")):
        raise InvalidRequestError("Invalid 'response_format'.", param="response_format", code="invalid_value")
    _check_common(body)
    return model


def validate_completion(body: Any) -> str:
    model = _require_model(body)
    prompt = body.get("prompt")
    if not (isinstance(prompt, str) or (isinstance(prompt, list) and prompt)):
        raise InvalidRequestError("'prompt' must be a string or a non-empty array.", param="prompt",
                                  code="invalid_value")
    _check_common(body)
    return model


def validate_embeddings(body: Any) -> str:
    model = _require_model(body)
    inp = body.get("input")
    ok = isinstance(inp, str) and inp != "" or (isinstance(inp, list) and inp and all(
        isinstance(x, (str, int)) or (isinstance(x, list) and all(isinstance(y, int) for y in x)) for x in inp))
    if not ok:
        raise InvalidRequestError("'input' must be a non-empty string or array.", param="input", code="invalid_value")
    if body.get("encoding_format") not in (None, "float", "base64"):
        raise InvalidRequestError("Invalid 'encoding_format'.", param="encoding_format", code="invalid_value")
    return model


def validate_images(body: Any) -> str:
    model = _require_model(body)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 32000:
        raise InvalidRequestError("'prompt' must be a non-empty string of at most 32000 characters.", param="prompt",
                                  code="invalid_value")
    n = body.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        raise InvalidRequestError("'n' must be an integer between 1 and 10.", param="n", code="invalid_value")
    for name in ("size", "quality", "style"):
        if name in body and not isinstance(body[name], str):
            raise InvalidRequestError(f"'{name}' must be a string.", param=name, code="invalid_value")
    if body.get("response_format") not in (None, "url", "b64_json"):
        raise InvalidRequestError("'response_format' must be 'url' or 'b64_json'.", param="response_format",
                                  code="invalid_value")
    return model
