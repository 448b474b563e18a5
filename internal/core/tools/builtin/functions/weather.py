"""Current weather from an OpenWeatherMap-compatible API (`TOOL_WEATHER_BASE_URL`, default
https://api.openweathermap.org): GET /data/2.5/weather with the account's API key."""
from __future__ import annotations

from typing import Any

from pkg.ssrf import OutboundError

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool


@builtin_tool("weather", "current_weather")
def current_weather(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    key = ctx.credential("api_key", "The weather tool")
    units = ctx.params.get("units") or "metric"
    base = ctx.settings.weather_base_url.rstrip("/")
    try:
        r = ctx.api.request("GET", f"{base}/data/2.5/weather",
                            params={"q": args["city"], "appid": key, "units": units, "lang": ctx.params.get("lang") or "en"},
                            timeout=ctx.timeout(15))
    except OutboundError as e:
        raise ToolError(f"the weather service is unreachable: {e}") from None
    if r.status_code == 401:
        raise ToolError("the weather service refused the API key")
    if r.status_code == 404:
        raise ToolError(f"no weather found for {args['city']!r}")
    if not r.ok:
        raise ToolError(f"the weather service answered HTTP {r.status_code}")
    try:
        d = r.json()
        symbol = {"metric": "°C", "imperial": "°F"}.get(units, "K")
        return {"city": d.get("name") or args["city"], "country": (d.get("sys") or {}).get("country", ""),
                "weather": ", ".join(w.get("description", "") for w in d.get("weather") or []),
                "temperature": f"{d['main']['temp']}{symbol}", "feels_like": f"{d['main'].get('feels_like')}{symbol}",
                "humidity": f"{d['main'].get('humidity')}%", "wind_speed": (d.get("wind") or {}).get("speed")}
    except (ValueError, KeyError, TypeError):
        raise ToolError("the weather service sent an unreadable answer") from None
