"""A fast, dependency-free fake OpenAI-compatible upstream (asyncio, HTTP/1.1 keep-alive).

Run: `python -m test.support.fake_openai --port 8901`.

Endpoints: GET /v1/models, POST /v1/chat/completions (blocking and SSE, stream_options.include_usage,
tool_calls), POST /v1/completions, POST /v1/embeddings (deterministic vectors, float or base64), POST /v1/images/generations (URL
naming the prompt's hash, or a 1x1 PNG as b64_json),
GET /_stats (request counts per model), POST /_reset, GET /health.

Behaviour is controlled per request by tokens in the model name and/or the `x-fake-behavior`
header (same syntax, tokens separated by `+`, `,` or spaces), or in a path prefix
`/_behave/<tokens>/v1/...` (a base URL of its own: one server acts as several upstreams):

  fail-<status>        answer that HTTP status with an OpenAI error body (e.g. fail-500, fail-429)
  retry-after-<sec>    add `Retry-After: <sec>` to failures
  flaky-<n>            fail (status from fail-<status>, default 500) only the first n requests
                       for this model name, then succeed
  after-<n>            the first n requests for this model name answer normally; fail-/delay-
                       apply from request n+1 on (an upstream that starts failing or slowing)
  delay-<ms>           wait before answering (blocking) / before the first chunk (stream)
  chunk-delay-<ms>     wait between stream chunks
  drop-after-<n>       stream: close the connection after n content chunks, without [DONE]
  words-<n>            length of the reply in words (default 8)
  no-usage             omit usage (blocking) / never send the usage chunk (stream)
  malformed            answer 200 without choices/data (`{"object": ..., "foo": 1}`), blocking and stream
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import math
import re
import struct
import time
from collections import Counter
from typing import Any

_ONE_PIXEL_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
_TOKEN_RE = re.compile(r"(fail|retry-after|flaky|delay|chunk-delay|drop-after|words|after)-(\d+(?:\.\d+)?)|(no-usage)|(malformed)")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}
_WORDS = ("Hello", "from", "the", "fake", "upstream", "model", "here", "is", "a", "deterministic", "reply", "for",
          "you", "with", "some", "more", "words", "to", "fill", "space")

_dumps = json.JSONEncoder(separators=(",", ":")).encode


class Behavior:
    __slots__ = ("fail", "retry_after", "flaky", "delay", "chunk_delay", "drop_after", "words", "no_usage",
                 "malformed", "after")

    def __init__(self) -> None:
        self.fail: int | None = None
        self.retry_after: str | None = None
        self.flaky: int | None = None
        self.delay = 0.0
        self.chunk_delay = 0.0
        self.drop_after: int | None = None
        self.words = 8
        self.no_usage = False
        self.malformed = False
        self.after: int | None = None

    @classmethod
    def parse(cls, *sources: str) -> Behavior:
        b = cls()
        for src in sources:
            if not src or ("-" not in src and "malformed" not in src):
                continue
            for m in _TOKEN_RE.finditer(src):
                if m.group(4):
                    b.malformed = True
                    continue
                if m.group(3):
                    b.no_usage = True
                    continue
                k, v = m.group(1), m.group(2)
                if k == "fail":
                    b.fail = int(float(v))
                elif k == "retry-after":
                    b.retry_after = v
                elif k == "flaky":
                    b.flaky = int(float(v))
                elif k == "delay":
                    b.delay = float(v) / 1000
                elif k == "chunk-delay":
                    b.chunk_delay = float(v) / 1000
                elif k == "drop-after":
                    b.drop_after = int(float(v))
                elif k == "words":
                    b.words = max(1, int(float(v)))
                elif k == "after":
                    b.after = int(float(v))
        return b


def _count_words(text: Any) -> int:
    if isinstance(text, str):
        return len(text.split())
    if isinstance(text, list):
        return sum(_count_words(p.get("text", "") if isinstance(p, dict) else p) for p in text)
    return 0


def embedding_for(text: str, dims: int) -> list[float]:
    out: list[float] = []
    counter = 0
    while len(out) < dims:
        h = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        out.extend((b - 127.5) / 127.5 for b in h)
        counter += 1
    vec = out[:dims]
    norm = math.sqrt(sum(x * x for x in vec)) or 1.0
    return [x / norm for x in vec]


class FakeState:
    def __init__(self) -> None:
        self.by_model: Counter = Counter()
        self.total = 0
        self.last: dict[str, Any] = {}


class FakeOpenAIProtocol(asyncio.Protocol):
    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.closed = False

    # ------------------------------------------------------------------ parsing -----------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket

            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._next()

    def _next(self) -> None:
        while not self.busy and not self.closed:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            lines = head.split("\r\n")
            try:
                method, target, _ = lines[0].split(" ", 2)
            except ValueError:
                self._raw(400, b'{"error":{"message":"bad request line"}}', close=True)
                return
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            keep = headers.get("connection", "").lower() != "close"
            path = target.split("?", 1)[0]
            self._target = target
            self.busy = True
            result = self.handle(method, path, headers, body, keep)
            if asyncio.iscoroutine(result):
                task = asyncio.ensure_future(result)
                task.add_done_callback(self._done)
                return
            self.busy = False

    def _done(self, task: asyncio.Future[Any]) -> None:
        self.busy = False
        if task.exception() is not None and self.transport:
            self.transport.close()
            return
        if not self.closed:
            self._next()

    # ------------------------------------------------------------------ writing -----------
    def _raw(self, status: int, body: bytes, extra: dict[str, str] | None = None, close: bool = False,
             ctype: str = "application/json") -> None:
        if self.transport is None or self.closed:
            return
        h = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", f"content-type: {ctype}",
             f"content-length: {len(body)}"]
        for k, v in (extra or {}).items():
            h.append(f"{k}: {v}")
        if close:
            h.append("connection: close")
        self.transport.write(("\r\n".join(h) + "\r\n\r\n").encode() + body)
        if close:
            self.transport.close()

    def _json(self, status: int, obj: Any, extra: dict[str, str] | None = None, keep: bool = True) -> None:
        self._raw(status, _dumps(obj).encode(), extra, close=not keep)

    def _error(self, status: int, message: str, code: str, b: Behavior | None = None, keep: bool = True) -> None:
        extra = {"retry-after": b.retry_after} if b and b.retry_after else None
        typ = "requests" if status == 429 else ("invalid_request_error" if status < 500 else "server_error")
        self._json(status, {"error": {"message": message, "type": typ, "param": None, "code": code}}, extra, keep)

    def _stream_head(self) -> None:
        assert self.transport is not None
        self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                             b"transfer-encoding: chunked\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(b"%x\r\n%s\r\n" % (len(data), data))

    # ------------------------------------------------------------------ routing -----------
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes, keep: bool) -> Any:
        if path == "/health" or path == "/":
            return self._json(200, {"status": "ok"}, keep=keep)
        if path == "/_stats":
            return self._json(200, {"total": self.state.total, "by_model": dict(self.state.by_model)}, keep=keep)
        if path == "/_reset" and method == "POST":
            self.state.by_model.clear()
            self.state.total = 0
            return self._json(200, {"ok": True}, keep=keep)
        if path == "/v1/models" and method == "GET":
            return self._json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
                for m in ("fake-gpt", "fake-embed")]}, keep=keep)
        if path == "/_last":
            return self._json(200, self.state.last, keep=keep)
        behave = re.match(r"^/_behave/([^/]+)(/.*)$", path)
        path_behavior = ""
        if behave:
            path_behavior, path = behave.group(1), behave.group(2)
        self.state.last = {"method": method, "path": path, "headers": headers,
                           "query": self._target.split("?", 1)[1] if "?" in self._target else ""}
        azure = re.match(r"^/openai/deployments/([^/]+)(/chat/completions|/completions|/embeddings)$", path)
        if azure:  # Azure OpenAI layout: the deployment in the path, `api-key` header
            if not headers.get("api-key"):
                return self._error(401, "Access denied due to missing subscription key.", "401", keep=keep)
            path = "/v1" + azure.group(2)
        if path == "/v1/messages" and method == "POST":
            return self._anthropic(headers, body, keep)
        if method != "POST" or path not in ("/v1/chat/completions", "/v1/completions", "/v1/embeddings",
                                            "/v1/images/generations"):
            return self._error(404, f"Unknown route {method} {path}", "not_found", keep=keep)
        if headers.get("x-fake-auth") and headers.get("authorization") != f"Bearer {headers['x-fake-auth']}":
            return self._error(401, "Incorrect API key provided.", "invalid_api_key", keep=keep)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self._error(400, "We could not parse the JSON body of your request.", "invalid_json", keep=keep)
        model = str(req.get("model") or "")
        if not model:
            return self._error(400, "you must provide a model parameter", "missing_required_parameter", keep=keep)
        self.state.total += 1
        n = self.state.by_model[model] = self.state.by_model[model] + 1
        b = Behavior.parse(model, headers.get("x-fake-behavior", ""), path_behavior)
        if b.after is not None and n <= b.after:
            b.fail = b.flaky = None
            b.delay = 0.0
        failing = b.fail is not None or b.flaky is not None
        if failing and (b.flaky is None or n <= b.flaky):
            status = b.fail or 500
            if b.delay:
                return self._delayed_error(status, b, keep)
            return self._error(status, f"fake upstream failure {status}", "rate_limit_exceeded" if status == 429
                               else "server_error", b, keep)
        if b.malformed:
            return self._malformed(path, req, keep)
        if path == "/v1/embeddings":
            return self._embeddings(req, b, keep)
        if path == "/v1/images/generations":
            return self._images(req, keep)
        if req.get("stream"):
            return self._stream(path, req, b, keep)
        if b.delay:
            return self._delayed(path, req, b, keep)
        return self._json(200, self._complete(path, req, b), keep=keep)

    # ------------------------------------------------------------------ anthropic ---------
    def _anthropic(self, headers: dict[str, str], body: bytes, keep: bool) -> Any:
        """A small Anthropic Messages API: text or tool_use answers, blocking or SSE events."""
        if not headers.get("x-api-key") or not headers.get("anthropic-version"):
            return self._json(401, {"type": "error", "error": {"type": "authentication_error",
                                                               "message": "invalid x-api-key"}}, keep=keep)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self._json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                               "message": "bad json"}}, keep=keep)
        if not req.get("max_tokens") or not isinstance(req.get("messages"), list):
            return self._json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                               "message": "max_tokens and messages are required"}},
                              keep=keep)
        model = str(req.get("model") or "")
        self.state.total += 1
        self.state.by_model[model] += 1
        last = req["messages"][-1] if req["messages"] else {}
        content = last.get("content")
        got_tool_result = isinstance(content, list) and any(b.get("type") == "tool_result" for b in content)
        tools = req.get("tools") or []
        pt = 10 + len(json.dumps(req.get("system", ""))) // 10
        if tools and not got_tool_result:
            tool = tools[0]
            props = (tool.get("input_schema") or {}).get("properties") or {}
            block = {"type": "tool_use", "id": "toolu_fake1", "name": tool["name"],
                     "input": {k: "test" for k in props}}
            stop = "tool_use"
        else:
            text = ("The tool returned: " + str(next(b.get("content") for b in content if b.get("type") == "tool_result"))
                    if got_tool_result else "Hello from fake Claude")
            block = {"type": "text", "text": text}
            stop = "end_turn"
        ct = 7
        if not req.get("stream"):
            return self._json(200, {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                                    "content": [block], "stop_reason": stop, "stop_sequence": None,
                                    "usage": {"input_tokens": pt, "output_tokens": ct}}, keep=keep)
        events: list[tuple[str, dict]] = [
            ("message_start", {"type": "message_start", "message": {"id": "msg_fake", "type": "message",
                                                                    "role": "assistant", "model": model,
                                                                    "content": [], "usage": {"input_tokens": pt,
                                                                                             "output_tokens": 1}}})]
        if block["type"] == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": 0,
                                                   "content_block": {"type": "text", "text": ""}}))
            for i, word in enumerate(block["text"].split(" ")):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                       "delta": {"type": "text_delta",
                                                                 "text": (" " if i else "") + word}}))
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
                "type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}}))
            args = json.dumps(block["input"])
            for part in (args[: len(args) // 2], args[len(args) // 2:]):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                       "delta": {"type": "input_json_delta", "partial_json": part}}))
        events += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
                   ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop},
                                      "usage": {"output_tokens": ct}}),
                   ("message_stop", {"type": "message_stop"})]
        self._stream_head()
        payload = b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)
        assert self.transport is not None
        self.transport.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload))
        return None

    async def _delayed_error(self, status: int, b: Behavior, keep: bool) -> None:
        await asyncio.sleep(b.delay)
        self._error(status, f"fake upstream failure {status}", "server_error", b, keep)

    async def _delayed(self, path: str, req: dict, b: Behavior, keep: bool) -> None:
        await asyncio.sleep(b.delay)
        self._json(200, self._complete(path, req, b), keep=keep)

    # ------------------------------------------------------------------ content -----------
    @staticmethod
    def _reply_words(b: Behavior) -> list[str]:
        return [_WORDS[i % len(_WORDS)] for i in range(b.words)]

    @staticmethod
    def _tool_call(req: dict) -> dict | None:
        tools = req.get("tools") or []
        messages = req.get("messages") or []
        if not tools or req.get("tool_choice") == "none" or (messages and messages[-1].get("role") == "tool"):
            return None
        fn = tools[0].get("function") or {}
        props = (fn.get("parameters") or {}).get("properties") or {}
        args = {}
        for name, schema in props.items():
            t = (schema or {}).get("type")
            args[name] = 42 if t in ("integer", "number") else (True if t == "boolean" else "test")
        call_id = "call_" + hashlib.sha1(_dumps(messages).encode()).hexdigest()[:24]
        return {"id": call_id, "type": "function", "function": {"name": fn.get("name"), "arguments": _dumps(args)}}

    @staticmethod
    def _reply_text(req: dict, b: Behavior) -> str:
        messages = req.get("messages") or []
        if messages and messages[-1].get("role") == "tool":
            return f"The tool returned: {messages[-1].get('content')}"
        if (req.get("response_format") or {}).get("type") in ("json_object", "json_schema"):
            return _dumps({"answer": " ".join(FakeOpenAIProtocol._reply_words(b))})
        return " ".join(FakeOpenAIProtocol._reply_words(b))

    def _complete(self, path: str, req: dict, b: Behavior) -> dict:
        now = int(time.time())
        model = req.get("model")
        if path == "/v1/completions":
            text = " ".join(self._reply_words(b))
            pt = _count_words(req.get("prompt"))
            res = {"id": "cmpl-fake", "object": "text_completion", "created": now, "model": model,
                   "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}]}
            ct = len(text.split())
        else:
            pt = sum(_count_words(m.get("content")) + 3 for m in req.get("messages") or [])
            tc = self._tool_call(req)
            if tc:
                msg = {"role": "assistant", "content": None, "tool_calls": [tc], "refusal": None}
                finish, ct = "tool_calls", len(tc["function"]["arguments"]) // 4 + 1
            else:
                text = self._reply_text(req, b)
                msg = {"role": "assistant", "content": text, "refusal": None}
                finish, ct = "stop", len(text.split())
            res = {"id": "chatcmpl-fake", "object": "chat.completion", "created": now, "model": model,
                   "choices": [{"index": 0, "message": msg, "logprobs": None, "finish_reason": finish}],
                   "system_fingerprint": "fp_fake"}
        if not b.no_usage:
            res["usage"] = {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
        return res

    def _images(self, req: dict, keep: bool) -> None:
        """Deterministic fake images: a URL naming the prompt's hash (or a 1x1 PNG as b64_json)."""
        prompt = str(req.get("prompt") or "")
        digest = hashlib.sha256(f"{req.get('size')}|{prompt}".encode()).hexdigest()[:16]
        data = []
        for i in range(int(req.get("n") or 1)):
            if req.get("response_format") == "b64_json" or "gpt-image" in str(req.get("model")):
                data.append({"b64_json": _ONE_PIXEL_PNG, "revised_prompt": prompt})
            else:
                data.append({"url": f"https://images.fake-openai.test/{digest}-{i}.png", "revised_prompt": prompt})
        self._json(200, {"created": 1700000000, "data": data}, keep=keep)

    def _embeddings(self, req: dict, b: Behavior, keep: bool) -> None:
        inp = req.get("input")
        items = [inp] if isinstance(inp, str) else list(inp or [])
        dims = int(req.get("dimensions") or 16)
        data = []
        tokens = 0
        for i, item in enumerate(items):
            text = item if isinstance(item, str) else " ".join(map(str, item))
            tokens += max(1, len(text.split()))
            vec = embedding_for(text, dims)
            if req.get("encoding_format") == "base64":
                emb: Any = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode()
            else:
                emb = vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        self._json(200, {"object": "list", "data": data, "model": req.get("model"),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}, keep=keep)

    def _malformed(self, path: str, req: dict, keep: bool) -> None:
        """A 200 that is not a usable answer: the right `object`, but no choices (or data)."""
        obj = {"/v1/completions": "text_completion", "/v1/embeddings": "list"}.get(path, "chat.completion")
        if not req.get("stream") or path == "/v1/embeddings":
            return self._json(200, {"object": obj, "foo": 1}, keep=keep)
        self._stream_head()
        payload = b"data: " + _dumps({"object": obj + ".chunk", "foo": 1}).encode() + b"\n\ndata: [DONE]\n\n"
        assert self.transport is not None
        self.transport.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload))
        if not keep:
            self.transport.close()
        return None

    def _stream_events(self, path: str, req: dict, b: Behavior) -> list[bytes]:
        now = int(time.time())
        model = req.get("model")
        include_usage = bool((req.get("stream_options") or {}).get("include_usage")) and not b.no_usage
        events: list[bytes] = []
        if path == "/v1/completions":
            words = self._reply_words(b)
            for i, w in enumerate(words):
                events.append(_dumps({"id": "cmpl-fake", "object": "text_completion", "created": now, "model": model,
                                      "choices": [{"text": (" " if i else "") + w, "index": 0, "logprobs": None,
                                                   "finish_reason": None}]}).encode())
            events.append(_dumps({"id": "cmpl-fake", "object": "text_completion", "created": now, "model": model,
                                  "choices": [{"text": "", "index": 0, "logprobs": None,
                                               "finish_reason": "stop"}]}).encode())
            pt, ct = _count_words(req.get("prompt")), len(words)
            obj = "text_completion"
        else:
            obj = "chat.completion.chunk"
            base = {"id": "chatcmpl-fake", "object": obj, "created": now, "model": model,
                    "system_fingerprint": "fp_fake"}

            def ev(delta: dict, finish: str | None = None) -> bytes:
                return _dumps({**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                    "finish_reason": finish}]}).encode()

            events.append(ev({"role": "assistant", "content": "", "refusal": None}))
            tc = self._tool_call(req)
            pt = sum(_count_words(m.get("content")) + 3 for m in req.get("messages") or [])
            if tc:
                events.append(ev({"tool_calls": [{"index": 0, "id": tc["id"], "type": "function",
                                                  "function": {"name": tc["function"]["name"], "arguments": ""}}]}))
                args = tc["function"]["arguments"]
                half = len(args) // 2
                for part in (args[:half], args[half:]):
                    events.append(ev({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}))
                events.append(ev({}, "tool_calls"))
                ct = len(args) // 4 + 1
            else:
                text = self._reply_text(req, b)
                words = text.split(" ")
                for i, w in enumerate(words):
                    events.append(ev({"content": (" " if i else "") + w}))
                events.append(ev({}, "stop"))
                ct = len(words)
        if include_usage:
            events.append(_dumps({"id": "chatcmpl-fake" if obj != "text_completion" else "cmpl-fake", "object": obj,
                                  "created": now, "model": model, "choices": [],
                                  "usage": {"prompt_tokens": pt, "completion_tokens": ct,
                                            "total_tokens": pt + ct}}).encode())
        return events

    def _stream(self, path: str, req: dict, b: Behavior, keep: bool) -> Any:
        events = self._stream_events(path, req, b)
        if not b.delay and not b.chunk_delay and b.drop_after is None:
            # fast path: everything in one write
            self._stream_head()
            payload = b"".join(b"data: " + e + b"\n\n" for e in events) + b"data: [DONE]\n\n"
            assert self.transport is not None
            self.transport.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload))
            if not keep:
                self.transport.close()
            return None
        return self._stream_slow(events, b, keep)

    async def _stream_slow(self, events: list[bytes], b: Behavior, keep: bool) -> None:
        if b.delay:
            await asyncio.sleep(b.delay)
        if self.closed:
            return
        self._stream_head()
        for i, e in enumerate(events):
            if b.drop_after is not None and i >= b.drop_after:
                assert self.transport is not None
                self.transport.close()  # abrupt: no [DONE], no terminating chunk
                self.closed = True
                return
            self._chunk(b"data: " + e + b"\n\n")
            if b.chunk_delay:
                await asyncio.sleep(b.chunk_delay)
            if self.closed:
                return
        self._chunk(b"data: [DONE]\n\n")
        assert self.transport is not None
        self.transport.write(b"0\r\n\r\n")
        if not keep:
            self.transport.close()


async def start_server(host: str, port: int) -> asyncio.AbstractServer:
    state = FakeState()
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: FakeOpenAIProtocol(state), host, port, backlog=1024, reuse_address=True)


async def serve(host: str, port: int, ready: asyncio.Event | None = None) -> None:
    server = await start_server(host, port)
    print(f"fake-openai listening on http://{host}:{port}", flush=True)
    if ready:
        ready.set()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fake OpenAI-compatible upstream for tests and benchmarks")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8901)
    args = ap.parse_args(argv)
    try:
        import uvloop  # type: ignore

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass
