"""`RoutedChatModel`: a LangChain chat model that runs through the model gateway.

Apps, agents and workflow nodes use this instead of provider SDK classes, so they get the same
routing, fallbacks, retries, cooldowns, rate limits and usage/cost records as `/v1`:

    llm = RoutedChatModel(gateway=gateway, model="gpt-4o-mini", context=CallContext(account_id=...),
                          temperature=0.2)
    llm.bind_tools([search_tool]).invoke("...")
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.utils import convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from .gateway import CallContext, LanguageModelGateway


def _usage_metadata(usage: dict[str, Any] | None) -> dict[str, int] | None:
    if not usage:
        return None
    return {"input_tokens": int(usage.get("prompt_tokens") or 0),
            "output_tokens": int(usage.get("completion_tokens") or 0),
            "total_tokens": int(usage.get("total_tokens") or 0)}


class RoutedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    gateway: LanguageModelGateway = Field(exclude=True)
    model: str
    context: CallContext = Field(default_factory=CallContext, exclude=True)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    model_kwargs: dict[str, Any] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "llmops-routed"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "temperature": self.temperature, "top_p": self.top_p,
                "max_tokens": self.max_tokens}

    def _body(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": convert_to_openai_messages(messages)}
        for k in ("temperature", "top_p", "max_tokens"):
            v = getattr(self, k)
            if v is not None:
                body[k] = v
        if stop or self.stop:
            body["stop"] = stop or self.stop
        body.update(self.model_kwargs)
        body.update(kwargs)
        return body

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | dict | None = None, **kwargs: Any):
        formatted = [convert_to_openai_tool(t) for t in tools]
        if tool_choice is not None and tool_choice not in ("auto", "none", "required") and isinstance(tool_choice,
                                                                                                      str):
            tool_choice = {"type": "function", "function": {"name": tool_choice}}
        extra = {"tool_choice": tool_choice} if tool_choice is not None else {}
        return super().bind(tools=formatted, **extra, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        data = self.gateway.chat(self._body(messages, stop, **kwargs), self.context)
        choice = data["choices"][0]
        msg = choice.get("message") or {}
        tool_calls = []
        for tc in msg.get("tool_calls") or []:
            fn = tc.get("function") or {}
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except ValueError:
                args = {}
            tool_calls.append({"name": fn.get("name") or "", "args": args, "id": tc.get("id"), "type": "tool_call"})
        message = AIMessage(content=msg.get("content") or "", tool_calls=tool_calls,
                            usage_metadata=_usage_metadata(data.get("usage")),
                            response_metadata={"model_name": data.get("model"),
                                               "finish_reason": choice.get("finish_reason")})
        return ChatResult(generations=[ChatGeneration(message=message)],
                          llm_output={"model_name": data.get("model"), "token_usage": data.get("usage")})

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        body = self._body(messages, stop, **kwargs)
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
        for chunk in self.gateway.chat_chunks(body, self.context):
            choices = chunk.get("choices") or []
            if not choices:
                usage = _usage_metadata(chunk.get("usage"))
                if usage:
                    yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))
                continue
            delta = choices[0].get("delta") or {}
            tool_chunks = [{"name": (tc.get("function") or {}).get("name"),
                            "args": (tc.get("function") or {}).get("arguments"),
                            "id": tc.get("id"), "index": tc.get("index", 0), "type": "tool_call_chunk"}
                           for tc in delta.get("tool_calls") or []]
            finish = choices[0].get("finish_reason")
            gen = ChatGenerationChunk(
                message=AIMessageChunk(content=delta.get("content") or "", tool_call_chunks=tool_chunks,
                                       response_metadata={"finish_reason": finish} if finish else {}))
            if run_manager and gen.text:
                run_manager.on_llm_new_token(gen.text, chunk=gen)
            yield gen
