"""Web page reader (HTML -> main text) and a generic HTTP request, both through the SSRF guard
(`ctx.http` vets every destination and every redirect hop)."""
from __future__ import annotations

import json
import re
from typing import Any

from bs4 import BeautifulSoup

from pkg.ssrf import BlockedAddressError, OutboundError

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool

_NOISE = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form", "iframe",
          "button")
_BLANKS = re.compile(r"\n\s*\n+")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def _fetch(ctx: BuiltinContext, method: str, url: str, **kwargs: Any):
    try:
        return ctx.http.request(method, url, timeout=ctx.timeout(), max_bytes=ctx.settings.http_max_bytes, **kwargs)
    except BlockedAddressError as e:
        raise ToolError(f"this address is not allowed: {e}") from None
    except OutboundError as e:
        raise ToolError(str(e)) from None


def html_to_text(html: str) -> tuple[str, str]:
    """(title, main text): drop scripts and page chrome, prefer <article>/<main>, keep paragraphs."""
    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(list(_NOISE)):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    blocks = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "pre", "blockquote", "td"]):
        if el.find(["p", "li", "pre", "blockquote"]):  # a container: its children are listed themselves
            continue
        text = el.get_text(" ", strip=True)
        if text:
            blocks.append(("- " if el.name == "li" else "") + text)
    text = "\n\n".join(blocks) if blocks else root.get_text("\n", strip=True)
    return title, _BLANKS.sub("\n\n", text).strip()


@builtin_tool("webpage", "read_web_page")
def read_web_page(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    r = _fetch(ctx, "GET", args["url"], headers={"accept": "text/html,application/xhtml+xml,text/plain;q=0.8"})
    if not r.ok:
        raise ToolError(f"the page answered HTTP {r.status_code}")
    ctype = r.headers.get("content-type", "").lower()
    if "html" in ctype or not ctype:
        title, text = html_to_text(r.text)
    elif ctype.startswith("text/") or "json" in ctype or "xml" in ctype:
        title, text = "", r.text.strip()
    else:
        raise ToolError(f"the page is not text (content type {ctype.split(';')[0]})")
    return {"url": r.url, "title": title, "content": text, "truncated": r.truncated}


@builtin_tool("webpage", "http_request")
def http_request(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    method = (args.get("method") or "GET").upper()
    if method not in _METHODS:
        raise ToolError(f"method must be one of {', '.join(_METHODS)}")
    headers: dict[str, str] = {}
    if args.get("headers"):
        try:
            parsed = json.loads(args["headers"])
        except ValueError:
            raise ToolError("headers must be a JSON object of strings") from None
        if not isinstance(parsed, dict) or not all(isinstance(k, str) and isinstance(v, (str, int, float))
                                                   for k, v in parsed.items()):
            raise ToolError("headers must be a JSON object of strings")
        headers = {k: str(v) for k, v in parsed.items()}
    body = args.get("body")
    content = body.encode("utf-8") if body else None
    if content is not None and not any(k.lower() == "content-type" for k in headers):
        headers["content-type"] = "application/json" if body.lstrip()[:1] in ("{", "[") else "text/plain"
    r = _fetch(ctx, method, args["url"], headers=headers, content=content)
    return {"status_code": r.status_code, "url": r.url, "content_type": r.headers.get("content-type", ""),
            "body": r.text, "truncated": r.truncated}
