"""Current time and time-zone conversion (IANA zone names, zoneinfo)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo((name or "UTC").strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)") from None


def _describe(dt: datetime) -> dict[str, Any]:
    return {"iso": dt.isoformat(timespec="seconds"), "date": dt.strftime("%Y-%m-%d"), "time": dt.strftime("%H:%M:%S"),
            "weekday": dt.strftime("%A"), "timezone": str(dt.tzinfo), "utc_offset": dt.strftime("%z"),
            "unix": int(dt.timestamp())}


@builtin_tool("time", "current_time")
def current_time(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    return _describe(datetime.now(UTC).astimezone(_zone(args.get("timezone") or "UTC")))


@builtin_tool("time", "convert_time")
def convert_time(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    source, target = _zone(args.get("from_timezone") or "UTC"), _zone(args["to_timezone"])
    try:
        dt = datetime.fromisoformat(args["time"].strip())
    except ValueError:
        raise ToolError("time must be ISO 8601, e.g. 2024-05-01T09:30 or 2024-05-01 09:30:00") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=source)
    return {"from": _describe(dt), "to": _describe(dt.astimezone(target))}
