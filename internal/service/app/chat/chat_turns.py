"""One chat turn, whatever the surface (debug pane, web app, /openapi/chat): build the agent from a
config, open a `running` message, run the turn in the background (AgentRunner: apart from the
HTTP connection, frames through the channel — Redis across processes in production), and serve
its frames to any number of readers. A client that disconnects only unsubscribes; `stop` works
from any process; a run whose process died is ended by `sweep()` (Celery beat)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from injector import inject

from config import Config
from internal.core.agent import AgentEvent, AgentEventName, AgentTurn
from internal.core.agent.runner import (
    AgentRunner,
    NullHooks,
    TurnHooks,
    event_frame,
    ping_frame,
    request_stop,
    sweep_crashed_runs,
)
from internal.core.streaming import StreamChannel, stream_frames
from internal.core.streaming.channel import TaskOwner
from internal.core.tools.base import Tool
from internal.entity.app_entity import AppConfig, MessageStatus
from internal.exception import CustomException, NotFoundException
from internal.model.conversation import Conversation
from pkg import sse
from pkg.i18n import translate_message

from ..conversation_service import ConversationService
from .agent_builder import AgentBuilder, BuiltAgent
from .message_recorder import MessageRecorder

log = logging.getLogger(__name__)
LOST_RUN_MESSAGE = "the run was interrupted; please try again"
START_FAILED_MESSAGE = "the reply could not be started; please try again"


@dataclass(frozen=True)
class ConversationRef:
    """What a message row needs of its conversation, as plain values (the run has its own session)."""
    id: uuid.UUID
    app_id: uuid.UUID
    invoke_from: str
    created_by: uuid.UUID


@dataclass(frozen=True)
class StartedTurn:
    task_id: str
    message_id: str
    conversation_id: str
    # set when building the agent waits until the first frame is out (`start(defer_build=True)`)
    launch: Callable[[], None] | None = field(default=None, compare=False, repr=False)


@inject
@dataclass
class ChatTurns:
    conf: Config
    builder: AgentBuilder
    conversations: ConversationService
    runner: AgentRunner
    channel: StreamChannel

    def start(self, account_id: uuid.UUID, config: AppConfig, conversation: Conversation, query: str,
              owner: TaskOwner, image_urls: list[str] | None = None, extra_tools: Sequence[Tool] = (),
              defer_build: bool = False) -> StartedTurn:
        """Raises before anything is written when the config cannot run (a tool gone, a bad model).
        The message row and the history are the run's first step (`prepare`), so the client's
        first frame (the ids) does not wait for them. With `defer_build` (the console's SSE
        surfaces) even building the agent waits until that first frame is out: `frames()` claims
        the task (owner and lease) right after that frame is written, before the client can have
        read its task id and sent a stop, and the agent is built in the run's own greenlet, whose
        database session then also serves `prepare` (one pooled connection per turn, not two); a
        config that cannot run ends the stream with `error` and leaves no message."""
        if defer_build:
            app = current_app._get_current_object()
            started = StartedTurn(str(uuid.uuid4()), str(uuid.uuid4()), str(conversation.id))
            turn, hooks, prepare = self._turn(started, config, conversation, query, image_urls)

            def build() -> tuple:
                built = self.builder.build(account_id, config, extra_tools)
                return built.agent, built.summariser

            def failed(exc: Exception) -> AgentEvent:
                if isinstance(exc, CustomException):
                    text = translate_message(exc.message)
                else:
                    log.exception("chat task %s could not start", started.task_id)
                    text = START_FAILED_MESSAGE
                return AgentEvent(AgentEventName.ERROR, task_id=started.task_id, message_id=started.message_id,
                                  conversation_id=started.conversation_id, observation=text)

            def launch() -> None:
                lease = self.runner.claim(turn, owner)
                # built in the run's own greenlet: its database session also serves `prepare`
                self.runner.launch_building(build, turn, hooks, lease, failed=failed, run_in=app.app_context,
                                            prepare=prepare)

            return StartedTurn(started.task_id, started.message_id, started.conversation_id, launch)
        built = self.builder.build(account_id, config, extra_tools)
        started = StartedTurn(str(uuid.uuid4()), str(uuid.uuid4()), str(conversation.id))
        turn, hooks, prepare = self._turn(started, config, conversation, query, image_urls)
        self._launch(built, turn, hooks, owner, prepare)
        return started

    def _turn(self, started: StartedTurn, config: AppConfig, conversation: Conversation, query: str,
              image_urls: list[str] | None) -> tuple[AgentTurn, MessageRecorder, Callable[[], None]]:
        target = ConversationRef(conversation.id, conversation.app_id, conversation.invoke_from,
                                 conversation.created_by)
        memory = (conversation.summary or "") if config.long_term_memory.enable else ""
        turn = AgentTurn(query=query, long_term_memory=memory, task_id=started.task_id,
                         message_id=started.message_id, conversation_id=started.conversation_id)
        message_id = uuid.UUID(started.message_id)

        def prepare() -> None:
            turn.history = self.conversations.recent_history(target.id, config.dialog_round)
            self.conversations.start_message(target, query, image_urls, uuid.UUID(started.task_id), message_id)

        return turn, MessageRecorder(self.conversations, message_id, conversation.id), prepare

    def start_stateless(self, account_id: uuid.UUID, config: AppConfig, history: list[tuple[str, str]], query: str,
                        owner: TaskOwner) -> StartedTurn:
        """A turn whose history comes with the request and is not saved (/v1: OpenAI's API is
        stateless). Model usage and cost are recorded by the gateway as for every /v1 call."""
        built = self.builder.build(account_id, config)
        started = StartedTurn(str(uuid.uuid4()), str(uuid.uuid4()), "")
        turn = AgentTurn(query=query, history=history, task_id=started.task_id, message_id=started.message_id)
        built.summariser = None
        self._launch(built, turn, NullHooks(), owner)
        return started

    def _launch(self, built: BuiltAgent, turn: AgentTurn, hooks: TurnHooks, owner: TaskOwner,
                prepare: Callable[[], None] | None = None) -> None:
        app = current_app._get_current_object()  # the run's own app context: tools and hooks use the database
        self.runner.start(built.agent, turn, hooks, owner, summariser=built.summariser, run_in=app.app_context,
                          prepare=prepare)

    def frames(self, started: StartedTurn, after: int = 0) -> Iterator[bytes]:
        """The SSE body: a first `ping` with the ids, the run's frames, pings while it is quiet."""
        def end(name: AgentEventName, text: str) -> bytes:
            return event_frame(AgentEvent(name, task_id=started.task_id, message_id=started.message_id,
                                          conversation_id=started.conversation_id, observation=text))

        ping = ping_frame(started.task_id, started.message_id, started.conversation_id)  # the same bytes each time
        body = stream_frames(
            self.channel, started.task_id, after=after,
            ping=lambda: ping,
            ping_interval=self.conf.AGENT_PING_INTERVAL_SECONDS, max_duration=self.conf.AGENT_STREAM_MAX_SECONDS,
            timeout_frame=lambda: end(AgentEventName.TIMEOUT, "the reply took too long"),
            lost_frame=lambda: end(AgentEventName.ERROR, LOST_RUN_MESSAGE))
        return body if started.launch is None else _launch_after_first_frame(started, body, end)

    def events(self, started: StartedTurn) -> Iterator[tuple[str, dict]]:
        """The run's frames decoded, pings included (for surfaces that re-shape them)."""
        return sse.parse(self.frames(started))

    def wait(self, started: StartedTurn) -> None:
        """Block until the run has ended (its message is final by then: hooks run before the terminal frame)."""
        for _ in self.frames(started):
            pass

    def stop(self, task_id: uuid.UUID, owner: TaskOwner) -> None:
        if not request_stop(self.channel, str(task_id), owner):
            raise NotFoundException("task not found")

    def sweep(self) -> int:
        """Runs whose process died: their streams end with an `error` frame and their messages too.
        Also any message left `running` past the longest turn (a run of the in-process channel
        dies with its process and leaves no lease behind)."""
        ended = 0
        for run in sweep_crashed_runs(self.channel):
            message_id = run.meta.get("message_id")
            if message_id and self.conversations.finish_message(uuid.UUID(message_id), MessageStatus.ERROR,
                                                                error=LOST_RUN_MESSAGE):
                ended += 1
        limit = self.conf.AGENT_TURN_TIMEOUT_SECONDS + self.conf.AGENT_LEASE_SECONDS * 4
        ended += self.conversations.fail_stale_messages(datetime.now(UTC) - timedelta(seconds=limit), LOST_RUN_MESSAGE)
        return ended



def _launch_after_first_frame(started: StartedTurn, body: Iterator[bytes], end) -> Iterator[bytes]:
    """The first frame (the ids) goes out, then the deferred agent is built and started."""
    yield next(body)
    try:
        started.launch()
    except CustomException as exc:
        body.close()
        yield end(AgentEventName.ERROR, translate_message(exc.message))
        return
    except Exception:
        body.close()
        log.exception("chat task %s could not start", started.task_id)
        yield end(AgentEventName.ERROR, START_FAILED_MESSAGE)
        return
    yield from body
