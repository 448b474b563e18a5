"""The app wired for tool tests: third-party APIs and web pages served by a local fake, the SSRF
guard's resolver/connector replaced by seams (public names reach the fake, everything else a
trap that must stay untouched), and an image model routed to the fake OpenAI upstream."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from injector import Module, provider, singleton

from app.http.app import create_app
from config.language_model import LanguageModelSettings
from internal.core.language_model import UsageSink
from pkg.ssrf import SsrfGuard
from test.conftest import ConsoleClient, make_account
from test.support.fake_openai.process import start_fake_upstream
from test.support.local_http import LocalHTTPServer, Request, json_response
from test.support.ssrf_fakes import PUBLIC_IP, PUBLIC_IP_2, FakeResolver, RoutingConnector, TrapServer

WEATHER_KEY = "owm-test-key-123456"

ARTICLE = """<html><head><title>Tea in Yunnan</title><script>var tracking = 1;</script></head>
<body><nav>Home | About</nav><header>Site header</header>
<article><h1>Pu'er tea</h1><p>Pu'er is a fermented tea from Yunnan.</p>
<p>It is often aged for years.</p><ul><li>Raw (sheng)</li><li>Ripe (shou)</li></ul></article>
<footer>© example</footer></body></html>"""

DDG_HTML = """<html><body>
<div class="result results_links result--ad"><a class="result__a" href="https://ads.example/">Ad</a></div>
<div class="result results_links"><a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.python.org%2F&amp;rut=x">Welcome to <b>Python</b>.org</a>
<a class="result__snippet">The official home of the Python Programming Language.</a></div>
<div class="result results_links"><a class="result__a" href="https://docs.python.org/3/">Python 3 docs</a>
<a class="result__snippet">Documentation for Python 3.</a></div>
</body></html>"""


def _ddg(req: Request):
    form = parse_qs(req.body.decode())
    if form.get("q") != ["python"]:
        return 200, {"content-type": "text/html"}, "<html><body>No results.</body></html>"
    return 200, {"content-type": "text/html; charset=utf-8"}, DDG_HTML


def _wiki(req: Request):
    q = {k: v[0] for k, v in req.query.items()}
    if q.get("list") == "search":
        if q.get("srsearch") == "nothingatall":
            return json_response({"query": {"search": []}})
        return json_response({"query": {"search": [
            {"title": "Alan Turing", "snippet": "<span class=\"searchmatch\">Alan</span> Turing was a mathematician"},
            {"title": "Turing machine", "snippet": "A model of computation"}][: int(q.get("srlimit", 3))]}})
    if q.get("prop") == "extracts":
        return json_response({"query": {"pages": [{"title": q["titles"],
                                                   "extract": "Alan Mathison Turing was an English mathematician."}]}})
    return json_response({"error": {"code": "badvalue", "info": "Unrecognized value"}}, 400)


def _weather(req: Request):
    q = {k: v[0] for k, v in req.query.items()}
    if q.get("appid") != WEATHER_KEY:
        return json_response({"cod": 401, "message": "Invalid API key"}, 401)
    if q.get("q") == "Atlantis":
        return json_response({"cod": "404", "message": "city not found"}, 404)
    return json_response({"name": q["q"], "sys": {"country": "CN"}, "weather": [{"description": "light rain"}],
                          "main": {"temp": 21.5 if q.get("units") == "metric" else 70.7, "feels_like": 21.0,
                                   "humidity": 80}, "wind": {"speed": 3.2}})


@pytest.fixture(scope="session")
def thirdparty():
    routes = {
        "POST /html/": _ddg,
        "GET /w/api.php": _wiki,
        "GET /data/2.5/weather": _weather,
        "GET /article": lambda r: (200, {"content-type": "text/html; charset=utf-8"}, ARTICLE),
        "GET /plain": lambda r: (200, {"content-type": "text/plain"}, "just text"),
        "GET /binary": lambda r: (200, {"content-type": "image/png"}, b"\x89PNG...."),
        "GET /big": lambda r: (200, {"content-type": "text/plain"}, "y" * 50_000),
        "GET /to-blocked": lambda r: (302, {"location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "GET /to-internal-name": lambda r: (302, {"location": "http://evil.example/"}, b""),
        "GET /to-other": lambda r: (302, {"location": "http://other.example/article"}, b""),
        "* /echo": lambda r: json_response({"method": r.method, "headers": r.headers,
                                            "body": r.body.decode() if r.body else None}),
    }
    with LocalHTTPServer(routes) as s:
        yield s


@pytest.fixture(scope="session")
def trap():
    t = TrapServer()
    yield t
    t.close()


@pytest.fixture(scope="session")
def seams(thirdparty, trap):
    resolver = FakeResolver({"news.example": [PUBLIC_IP], "other.example": [PUBLIC_IP_2],
                             "evil.example": ["10.0.0.8"], "meta.example": ["169.254.169.254"],
                             "localhost": ["127.0.0.1", "::1"]})
    connector = RoutingConnector({(PUBLIC_IP, 80): ("127.0.0.1", thirdparty.port),
                                  (PUBLIC_IP_2, 80): ("127.0.0.1", thirdparty.port),
                                  # reachable only when allow-listed (the allow-list test)
                                  ("127.0.0.1", thirdparty.port): ("127.0.0.1", thirdparty.port)}, trap)
    return resolver, connector


@pytest.fixture(scope="session")
def fake_upstream(tmp_path_factory):
    proc, url = start_fake_upstream(tmp_path_factory.mktemp("tools-upstream") / "upstream.log")
    yield url
    proc.stop()


class _ToolSeams(Module):
    def __init__(self, guard: SsrfGuard, router_config: str) -> None:
        self.guard, self.router_config = guard, router_config

    @singleton
    @provider
    def ssrf_guard(self) -> SsrfGuard:
        return self.guard

    @singleton
    @provider
    def settings(self) -> LanguageModelSettings:
        return LanguageModelSettings(ROUTER_CONFIG=self.router_config, _env_file=None)


def build_tools_app(pg_config, tmp_path, thirdparty, seams, fake_upstream, allowed=()):
    router_yaml = tmp_path / "router.yaml"
    router_yaml.write_text(json.dumps({"model_groups": {
        "fake-image": {"model_type": "image", "deployments": [
            {"id": "img", "provider": "openai_compatible", "model": "fake-image", "api_base": f"{fake_upstream}/v1"}]},
        "fake-gpt-image": {"model_type": "image", "deployments": [
            {"id": "gimg", "provider": "openai_compatible", "model": "gpt-image-fake", "api_base": f"{fake_upstream}/v1"}]},
        "fake-gpt": {"deployments": [
            {"id": "gpt", "provider": "openai_compatible", "model": "fake-gpt", "api_base": f"{fake_upstream}/v1"}]},
    }}))
    resolver, connector = seams
    conf = pg_config.model_copy(update={
        "TOOL_SEARCH_BASE_URL": thirdparty.url, "TOOL_WIKIPEDIA_BASE_URL": thirdparty.url,
        "TOOL_WEATHER_BASE_URL": thirdparty.url, "TOOL_IMAGE_MODEL": "fake-image", "TOOL_HTTP_MAX_BYTES": 10_000,
        "SSRF_ALLOWED_HOSTS": list(allowed)})
    guard = SsrfGuard(conf.SSRF_ALLOWED_HOSTS, resolver=resolver, connector=connector)
    return create_app(conf, modules=[_ToolSeams(guard, str(router_yaml))])


@pytest.fixture(scope="session")
def tools_app(pg_app, pg_config, tmp_path_factory, thirdparty, seams, fake_upstream):
    """Same database as `app` (which wipes it after each test)."""
    app = build_tools_app(pg_config, tmp_path_factory.mktemp("tools-app"), thirdparty, seams, fake_upstream)
    yield app
    app.extensions["injector"].get(UsageSink).close()


@pytest.fixture
def tconsole(app, tools_app) -> ConsoleClient:
    return ConsoleClient(tools_app, make_account(tools_app))


@pytest.fixture
def other_tconsole(app, tools_app) -> ConsoleClient:
    return ConsoleClient(tools_app, make_account(tools_app))


@pytest.fixture(autouse=True)
def _trap_stays_untouched(trap):
    before = trap.hits
    yield
    assert trap.hits == before, "a connection got past the SSRF guard to a blocked address"
