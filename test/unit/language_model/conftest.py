"""A fake upstream (OpenAI, Azure layout, Anthropic Messages) in a thread, on a real socket."""
from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from test.support.fake_openai.server import start_server


@pytest.fixture(scope="session")
def upstream():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start_server("127.0.0.1", port), loop).result(10)
    yield f"http://127.0.0.1:{port}"

    async def shutdown():
        server.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


