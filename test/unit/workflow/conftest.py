import uuid

import pytest

from internal.core.workflow.engine import WorkflowEngine
from internal.core.workflow.ports import CallerInfo, EnginePorts, InMemoryCheckpointStore, ListSink

from .fakes import EchoTool, FakeChatModels, FakeCodeRunner, FakeHttpClient, FakeRetriever, FakeToolResolver

ACCOUNT = str(uuid.uuid4())
OTHER_ACCOUNT = str(uuid.uuid4())


@pytest.fixture
def caller():
    return CallerInfo(account_id=ACCOUNT, workflow_id="wf-1")


@pytest.fixture
def echo_tool():
    return EchoTool()


@pytest.fixture
def ports(echo_tool):
    return EnginePorts(
        chat_models=FakeChatModels("model says hi"),
        tools=FakeToolResolver({(ACCOUNT, "demo", "echo"): echo_tool,
                                (OTHER_ACCOUNT, "secret", "echo"): EchoTool("theirs")}),
        retriever=FakeRetriever(["chunk one", "chunk two", "chunk three"]),
        http=FakeHttpClient(),
        code_runner=FakeCodeRunner(),
    )


@pytest.fixture
def store():
    return InMemoryCheckpointStore()


@pytest.fixture
def engine(ports, store):
    eng = WorkflowEngine(ports, store=store)
    yield eng
    eng.shutdown()


@pytest.fixture
def sink():
    return ListSink()


@pytest.fixture
def run(engine, caller, sink):
    """run(graph_dict, inputs) -> RunResult, with events in `sink`."""

    def _run(graph, inputs=None, **kwargs):
        return engine.run(engine.compile(graph), inputs or {}, caller=caller, sink=sink, **kwargs)

    return _run
