"""Web search over DuckDuckGo's HTML endpoint (`TOOL_SEARCH_BASE_URL`, default
https://html.duckduckgo.com): POST /html/ with `q`, results parsed from the page."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from pkg.ssrf import OutboundError

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool


def _target(href: str) -> str:
    # result links go through a redirector: //duckduckgo.com/l/?uddg=<the real URL>
    u = urlsplit(href)
    if u.path.startswith("/l/"):
        real = parse_qs(u.query).get("uddg")
        if real:
            return real[0]
    return href


def parse_results(html: str, limit: int) -> list[dict[str, str]]:
    soup = BeautifulSoup(html, "lxml")
    out: list[dict[str, str]] = []
    for block in soup.select(".result"):
        link = block.select_one("a.result__a")
        if link is None or "result--ad" in (block.get("class") or []):
            continue
        snippet = block.select_one(".result__snippet")
        out.append({"title": link.get_text(" ", strip=True), "url": _target(link.get("href") or ""),
                    "snippet": snippet.get_text(" ", strip=True) if snippet else ""})
        if len(out) >= limit:
            break
    return out


@builtin_tool("duckduckgo", "duckduckgo_search")
def duckduckgo_search(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    base = ctx.settings.search_base_url.rstrip("/")
    try:
        r = ctx.api.request("POST", f"{base}/html/", data={"q": args["query"], "kl": ctx.params.get("region") or ""},
                            timeout=ctx.timeout(15))
    except OutboundError as e:
        raise ToolError(f"the search service is unreachable: {e}") from None
    if not r.ok:
        raise ToolError(f"the search service answered HTTP {r.status_code}")
    results = parse_results(r.text, int(args.get("max_results") or 5))
    return {"query": args["query"], "results": results}
