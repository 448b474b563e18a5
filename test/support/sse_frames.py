"""Reading SSE bodies the strict way DESIGN §1 fixes them: every frame exactly
`event: <name>\ndata: <one-line JSON>\n\n` (or a `: comment` keep-alive, skipped)."""
from __future__ import annotations

import json


def console_frames(body: bytes) -> list[tuple[str, dict]]:
    """(event, data) of each frame; fails on anything but whole, well-formed frames."""
    assert body.endswith(b"\n\n") or not body, body[-200:]
    out: list[tuple[str, dict]] = []
    for block in body.split(b"\n\n")[:-1]:
        if block.startswith(b":"):
            continue
        lines = block.split(b"\n")
        assert len(lines) == 2 and lines[0].startswith(b"event: ") and lines[1].startswith(b"data: "), block[:300]
        out.append((lines[0][7:].decode(), json.loads(lines[1][6:])))
    return out
