"""SSE responses of the console and the app API (DESIGN §1): HTTP 200, `text/event-stream`, each
frame written whole, never buffered or compressed. A failure before the stream starts (app not
found, a bad body, a tool gone) is still an SSE `error` frame: the console reads errors from the
frame's `observation` and shows nothing for a JSON envelope on a streaming route (defect #12)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import wraps

from flask import Response, request

from internal.core.agent import AgentEvent, AgentEventName
from internal.core.language_model.errors import LLMError
from internal.exception import CustomException
from internal.server.error_handlers import as_custom_exception
from pkg.i18n import translate_message
from pkg.sse import frame

log = logging.getLogger(__name__)
SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
               "X-Accel-Buffering": "no"}


def sse_response(frames: Iterable[bytes]) -> Response:
    return Response(frames, 200, SSE_HEADERS, direct_passthrough=True)


def error_frame(message: str) -> bytes:
    return frame(str(AgentEventName.ERROR), AgentEvent(AgentEventName.ERROR, observation=message).to_dict())


def sse_errors(fn: Callable) -> Callable:
    """Outermost decorator of a streaming route: any failure before the stream starts becomes one
    `error` frame (ours with their message; anything else as the error handlers map it: an
    exhausted database pool is "busy", a bug a generic message with the request id)."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CustomException as exc:
            return sse_response([error_frame(translate_message(exc.message))])
        except Exception as exc:
            mapped = as_custom_exception(exc, request.method, request.path)
            return sse_response([error_frame(translate_message(mapped.message))])

    return wrapper


def text_frames(deltas: Iterator[str], event: str, field: str) -> Iterator[bytes]:
    """One `event` frame `{field: delta}` per text delta; a failure on the way ends the stream
    with an `error` frame (model errors carry client-safe messages, anything else a reference)."""
    try:
        for delta in deltas:
            yield frame(event, {field: delta})
    except LLMError as exc:
        yield error_frame(exc.message)
    except CustomException as exc:
        yield error_frame(translate_message(exc.message))
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("stream %s failed (ref %s)", event, ref)
        yield error_frame(f"the request failed unexpectedly (ref {ref})")
