"""In-memory fakes for the engine's ports (no network, no database)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from internal.core.tools.base import Deadline, Tool, ToolError, ToolNotFoundError, ToolRef
from internal.core.workflow.ports import (
    HttpCall,
    HttpReply,
    InMemoryCheckpointStore,
    PortError,
    RetrievalQuery,
    RetrievedChunk,
)

USAGE = {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}


class UsageFakeChatModel(GenericFakeChatModel):
    """LangChain's fake chat model, plus the usage a provider reports on the last stream chunk."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        yield from super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=USAGE))


class FakeChatModels:
    """`reply(config, messages) -> text` decides each answer; calls are recorded."""

    def __init__(self, reply: Callable[[Any, list], str] | str = "ok", price_per_token: float = 0.001):
        self.reply = reply
        self.price_per_token = price_per_token
        self.calls: list[tuple[Any, Any]] = []
        self._lock = threading.Lock()

    @property
    def reply(self) -> Callable[[Any, list], str]:
        return self._reply

    @reply.setter
    def reply(self, value) -> None:
        self._reply = value if callable(value) else (lambda cfg, msgs: value)

    def create(self, config, caller):
        outer = self

        class _Model(UsageFakeChatModel):
            def _generate(self, messages, stop=None, run_manager=None, **kwargs):
                text = outer._answer(config, messages)
                self.messages = iter([AIMessage(content=text, usage_metadata=USAGE)])
                return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

        return _Model(messages=iter([]))

    def _answer(self, config, messages) -> str:
        with self._lock:
            self.calls.append((config, messages))
        return self.reply(config, messages)

    def price(self, config, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens + output_tokens) * self.price_per_token


class EchoTool(Tool):
    def __init__(self, name: str = "echo", fail: bool = False):
        super().__init__(name, "echo the text", {"type": "object", "properties": {"text": {"type": "string"}},
                                                   "required": ["text"]})
        self.fail = fail
        self.calls: list[dict] = []

    def _run(self, arguments: dict, deadline: Deadline):
        self.calls.append(arguments)
        if self.fail:
            raise ToolError("the upstream said no")
        return f"echo: {arguments['text']}" + (f" ({arguments['suffix']})" if "suffix" in arguments else "")


class FakeToolResolver:
    """Tools per account: another account's tool id answers ToolNotFoundError, as the real one."""

    def __init__(self, tools: dict[tuple[str, str, str], Tool]):
        self.tools = tools  # (account_id, provider_id, tool_id) -> Tool
        self.resolved: list[tuple[ToolRef, Any]] = []

    def resolve(self, ref: ToolRef, ctx) -> Tool:
        self.resolved.append((ref, ctx))
        tool = self.tools.get((str(ctx.account_id), ref.provider_id, ref.tool_id))
        if tool is None:
            raise ToolNotFoundError(f"tool {ref.provider_id}/{ref.tool_id} not found")
        return tool


class FakeRetriever:
    def __init__(self, chunks: list[str]):
        self.chunks = chunks
        self.queries: list[RetrievalQuery] = []

    def retrieve(self, query: RetrievalQuery) -> list[RetrievedChunk]:
        self.queries.append(query)
        return [RetrievedChunk(content=c, score=0.9) for c in self.chunks[: query.k]]


class FakeHttpClient:
    def __init__(self, reply: Callable[[HttpCall], HttpReply] | None = None):
        self.calls: list[HttpCall] = []
        self.reply = reply or (lambda call: HttpReply(200, "pong"))

    def request(self, call: HttpCall) -> HttpReply:
        self.calls.append(call)
        return self.reply(call)


class FakeCodeRunner:
    """Stands in for the sandbox port: the test registers a Python function per code text (the
    real runner executes the text in another process; these tests are about the engine)."""

    def __init__(self, functions: dict[str, Callable[[dict], Any]] | None = None):
        self.functions = functions or {}
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def run(self, code: str, inputs: dict, limits) -> Any:
        with self._lock:
            self.calls.append((code, inputs))
        fn = self.functions.get(code)
        if fn is None:
            raise PortError("the sandbox refused the code")
        return fn(inputs)


class Crash(BaseException):
    """A simulated worker death (not an Exception: nothing in the engine may swallow it)."""


class CrashingStore(InMemoryCheckpointStore):
    """Dies (raises Crash) right after the k-th node checkpoint, like a worker SIGKILLed there."""

    def __init__(self, crash_after: int | None = None):
        super().__init__()
        self.crash_after = crash_after
        self.saved = 0

    def save_node(self, run_id, record):
        super().save_node(run_id, record)
        self.saved += 1
        if self.crash_after is not None and self.saved == self.crash_after:
            raise Crash()
