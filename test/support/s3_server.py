"""A real S3 API on 127.0.0.1 for tests: moto's server as a separate process, so the S3
storage backend runs its production code path (boto3 over HTTP, SigV4, path-style)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx

from test.support.environment import free_port
from test.support.processes import ManagedProcess, wait_until

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"


class S3Server:
    def __init__(self, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
               "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
        self.process = ManagedProcess([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                      env, log_path)

        def up() -> bool:
            try:
                return httpx.get(f"{self.url}/moto-api/", timeout=1).status_code < 500
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=60, what="S3 server", process=self.process)

    def stop(self) -> None:
        self.process.stop()
