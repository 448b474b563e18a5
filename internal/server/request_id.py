"""Request ids: the caller's `X-Request-Id` when it is a safe token, else a fresh one. Used by
the Flask hooks (internal/server/http.py) and by the API lane (internal/server/api_lane.py)."""
from __future__ import annotations

import random
import re

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_from(incoming: str | None) -> str:
    if incoming and _SAFE_REQUEST_ID.match(incoming):
        return incoming
    # a unique tag, not a secret: random (re-seeded per process after fork) instead of
    # uuid4's os.urandom, a syscall that costs ~20 µs per request on this VM
    return f"{random.getrandbits(128):032x}"
