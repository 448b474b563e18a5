"""Provider credentials as the tool applies them. Stored encrypted by the service; the core only
sees the decrypted values at call time."""
from __future__ import annotations

import base64
from dataclasses import dataclass

AUTH_TYPES = ("none", "api_key", "bearer", "basic")


@dataclass(frozen=True)
class ApiAuth:
    type: str = "none"          # none | api_key | bearer | basic
    location: str = "header"    # api_key: header | query
    name: str = ""              # api_key: header or query parameter name
    value: str = ""             # api_key value / bearer token / basic password
    username: str = ""          # basic

    def headers(self) -> list[tuple[str, str]]:
        if self.type == "api_key" and self.location == "header":
            return [(self.name, self.value)]
        if self.type == "bearer":
            return [("Authorization", f"Bearer {self.value}")]
        if self.type == "basic":
            raw = f"{self.username}:{self.value}".encode()
            return [("Authorization", "Basic " + base64.b64encode(raw).decode("ascii"))]
        return []

    def query(self) -> list[tuple[str, str]]:
        if self.type == "api_key" and self.location == "query":
            return [(self.name, self.value)]
        return []
