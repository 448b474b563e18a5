"""Wikipedia through the MediaWiki Action API (`TOOL_WIKIPEDIA_BASE_URL`, default
https://en.wikipedia.org): full-text search, then the plain-text intro of the best match."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from pkg.ssrf import OutboundError

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool

_TAGS = re.compile(r"<[^>]+>")


def _api(ctx: BuiltinContext, params: dict[str, Any]) -> dict[str, Any]:
    base = ctx.settings.wikipedia_base_url.rstrip("/")
    try:
        r = ctx.api.request("GET", f"{base}/w/api.php", params={**params, "format": "json", "formatversion": "2"},
                            timeout=ctx.timeout(15))
    except OutboundError as e:
        raise ToolError(f"Wikipedia is unreachable: {e}") from None
    if not r.ok:
        raise ToolError(f"Wikipedia answered HTTP {r.status_code}")
    try:
        data = r.json()
    except ValueError:
        raise ToolError("Wikipedia sent an unreadable answer") from None
    if "error" in data:
        raise ToolError(f"Wikipedia: {data['error'].get('info', 'error')}")
    return data


@builtin_tool("wikipedia", "wikipedia_search")
def wikipedia_search(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    limit = int(args.get("limit") or 3)
    hits = _api(ctx, {"action": "query", "list": "search", "srsearch": args["query"], "srlimit": limit,
                      "srprop": "snippet"}).get("query", {}).get("search", [])
    if not hits:
        return {"query": args["query"], "results": [], "summary": "no article found"}
    base = ctx.settings.wikipedia_base_url.rstrip("/")
    results = [{"title": h["title"], "snippet": _TAGS.sub("", h.get("snippet", "")),
                "url": f"{base}/wiki/{quote(h['title'].replace(' ', '_'))}"} for h in hits]
    pages = _api(ctx, {"action": "query", "prop": "extracts", "exintro": 1, "explaintext": 1,
                       "titles": hits[0]["title"], "redirects": 1}).get("query", {}).get("pages", [])
    summary = (pages[0].get("extract") or "").strip() if pages else ""
    return {"query": args["query"], "title": hits[0]["title"], "summary": summary, "results": results}
