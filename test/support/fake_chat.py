"""A scripted LangChain chat model for agent tests: each model call streams the next scripted
reply as chunks (text pieces, tool-call pieces, a usage chunk). Callables in a reply run
between chunks (to set a stop flag or block on an event at an exact point of the stream)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

Step = AIMessageChunk | Callable[[], None]


def text(*pieces: str, usage: tuple[int, int] | None = (10, 5)) -> list[Step]:
    chunks: list[Step] = [p if callable(p) else AIMessageChunk(content=p) for p in pieces]
    if usage:
        chunks.append(usage_chunk(*usage))
    return chunks


def usage_chunk(inp: int, out: int) -> AIMessageChunk:
    return AIMessageChunk(content="", usage_metadata={"input_tokens": inp, "output_tokens": out,
                                                      "total_tokens": inp + out})


def tool_calls(*calls: tuple[str, dict[str, Any]], preamble: str = "", usage: tuple[int, int] | None = (20, 8),
               split: bool = True) -> list[Step]:
    """Tool calls streamed the OpenAI way: id + name first, JSON arguments in two pieces."""
    chunks: list[Step] = [AIMessageChunk(content=p) for p in preamble.split("|") if p] if preamble else []
    for index, (name, args) in enumerate(calls):
        raw = json.dumps(args)
        parts = [raw[: len(raw) // 2], raw[len(raw) // 2:]] if split else [raw]
        chunks.append(AIMessageChunk(content="", tool_call_chunks=[
            {"name": name, "args": parts[0], "id": f"call_{name}_{index}", "index": index, "type": "tool_call_chunk"}]))
        for p in parts[1:]:
            chunks.append(AIMessageChunk(content="", tool_call_chunks=[
                {"name": None, "args": p, "id": None, "index": index, "type": "tool_call_chunk"}]))
    if usage:
        chunks.append(usage_chunk(*usage))
    return chunks


class ScriptedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Any] = Field(default_factory=list)   # per call: a list of steps, or a callable making them
    calls: list[dict[str, Any]] = Field(default_factory=list)
    closed_early: list[int] = Field(default_factory=list)     # calls whose stream the agent closed

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any):
        return self.bind(tools=list(tools), **kwargs)

    def _next(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> list[Any]:
        self.calls.append({"messages": list(messages), "stop": stop, "kwargs": kwargs})
        if len(self.calls) > len(self.script):
            raise AssertionError(f"model called {len(self.calls)} times; {len(self.script)} replies scripted")
        reply = self.script[len(self.calls) - 1]
        return reply() if callable(reply) else reply

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        reply = [s for s in self._next(messages, stop, kwargs) if isinstance(s, AIMessageChunk)]
        merged = reply[0]
        for c in reply[1:]:
            merged = merged + c
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=merged.content))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        reply = self._next(messages, stop, kwargs)
        number = len(self.calls)
        done = False
        try:
            for step in reply:
                if callable(step) and not isinstance(step, AIMessageChunk):
                    step()
                    continue
                yield ChatGenerationChunk(message=step)
            done = True
        finally:
            if not done:
                self.closed_early.append(number)
