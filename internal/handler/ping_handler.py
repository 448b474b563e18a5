from __future__ import annotations

from dataclasses import dataclass

from injector import inject

from pkg.response import success_json


@inject
@dataclass
class PingHandler:
    def ping(self):
        """Liveness probe in the console envelope (the course's /ping)."""
        return success_json({"ping": "pong"})
