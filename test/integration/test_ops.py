"""Operations surface (issue 2, scope 7): /health, /metrics, /openapi.json, /docs."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest
from flask_login import login_required
from openapi_spec_validator import validate as validate_openapi
from pydantic import BaseModel, Field

from app.http.app import create_app
from internal.handler.openapi_spec import openapi_path
from internal.handler.validation import validate
from pkg.response import success_json
from test.support.environment import free_port, make_test_config


def counter(text: str, route: str, status: str = "200", method: str = "GET") -> float:
    pattern = re.compile(r'^llmops_http_requests_total\{(?P<labels>[^}]*)\} (?P<value>\S+)$', re.M)
    total = 0.0
    for match in pattern.finditer(text):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group("labels")))
        if labels == {"method": method, "route": route, "status": status}:
            total += float(match.group("value"))
    return total


# --- health ---------------------------------------------------------------------------------

def test_health_is_ok_on_both_databases(db_app):
    response = db_app.test_client().get("/health")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "redis", "broker", "storage"}
    expected = "sqlite" if db_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "postgresql"
    assert body["checks"]["database"]["detail"] == expected


def test_health_on_production_services_checks_real_redis_and_broker(app):
    body = app.test_client().get("/health").get_json()
    assert body["checks"]["redis"]["detail"] == "redis"
    assert "redis" in body["checks"]["broker"]["detail"].lower()


def test_health_fails_with_503_naming_the_unreachable_redis(tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    broken = create_app(make_test_config(tmp_path, REDIS_URL=dead, CELERY_BROKER_URL=dead))
    client = broken.test_client()
    response = client.get("/health")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "fail" and set(body["failed"]) == {"redis", "broker"}
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no connection details leak
    # liveness does not depend on the services
    assert client.get("/health/live").status_code == 200


# --- metrics --------------------------------------------------------------------------------

def test_metrics_count_requests_by_route_and_status(client):
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        client.get("/ping")
    client.get("/upload-files/file")  # wrong method: 405 rendered in the console envelope (HTTP 200)
    client.get("/v1/nope")
    response = client.get("/metrics")
    after = response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert counter(after, "/ping") - counter(before, "/ping") == 3
    assert counter(after, "<unmatched>", "404") - counter(before, "<unmatched>", "404") == 1
    assert 'llmops_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/ping"}' in after


def test_metrics_ip_allow_list(tmp_path):
    restricted = create_app(make_test_config(tmp_path, METRICS_ALLOWED_IPS="10.0.0.0/8, 192.168.1.7"))
    client = restricted.test_client()
    denied = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert denied.status_code == 403 and denied.get_json()["code"] == "forbidden"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.7"}).status_code == 200


def test_metrics_are_summed_over_gunicorn_workers(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        before = counter(http.get("/metrics").text, "/ping")
        for _ in range(40):
            assert http.get("/ping", headers={"Connection": "close"}).status_code == 200
        samples = [counter(http.get("/metrics", headers={"Connection": "close"}).text, "/ping") for _ in range(6)]
    # whichever worker answers /metrics, it reports the sum of all workers
    assert all(value - before == 40 for value in samples), (before, samples)


# --- OpenAPI + docs -------------------------------------------------------------------------

class DemoReq(BaseModel):
    name: str = Field(min_length=1, max_length=40, description="display name")
    tags: list[str] = []


class DemoQuery(BaseModel):
    current_page: int = Field(default=1, ge=1)
    search_word: str = ""


class DemoResp(BaseModel):
    id: uuid.UUID
    name: str


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    demo = create_app(make_test_config(tmp_path_factory.mktemp("openapi")))

    @login_required
    @validate(body=DemoReq, query=DemoQuery, response=DemoResp)
    def update_demo(item_id, req: DemoReq, query: DemoQuery):
        """Update a demo item."""
        return success_json({"id": str(item_id), "name": req.name})

    demo.add_url_rule("/demo-items/<uuid:item_id>", endpoint="update_demo", view_func=update_demo, methods=["POST"])
    return demo


def test_openapi_document_is_valid_31_and_covers_every_route(demo_app):
    response = demo_app.test_client().get("/openapi.json")
    spec = response.get_json()
    assert response.status_code == 200 and spec["openapi"].startswith("3.1")
    validate_openapi(spec)
    for rule in demo_app.url_map.iter_rules():
        if rule.endpoint != "static":
            path, _ = openapi_path(rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in spec["paths"][path], (method, path)
    assert set(spec["components"]["securitySchemes"]) == {"ConsoleJWT", "ApiKey"}


def test_openapi_uses_the_schemas_that_validate_requests(demo_app):
    spec = demo_app.test_client().get("/openapi.json").get_json()
    operation = spec["paths"]["/demo-items/{item_id}"]["post"]
    assert operation["summary"] == "Update a demo item."
    assert operation["security"] == [{"ConsoleJWT": []}]
    body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = spec["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
    assert component["properties"]["name"]["maxLength"] == 40 and component["required"] == ["name"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["item_id"]["in"] == "path" and params["item_id"]["schema"]["format"] == "uuid"
    assert params["current_page"]["in"] == "query" and params["current_page"]["schema"]["minimum"] == 1
    success, error = operation["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert success["properties"]["data"]["$ref"].endswith("DemoResp")
    assert success["properties"]["code"] == {"const": "success"}
    assert error["$ref"].endswith("/ConsoleError")  # an error envelope is not documented as a success
    # the multipart upload routes and ops routes are documented too
    upload = spec["paths"]["/upload-files/file"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert spec["paths"]["/health"]["get"]["security"] == []
    content = spec["paths"]["/upload-files/{upload_file_id}/content"]["get"]
    assert content["security"] == [{"ConsoleJWT": []}, {}]
    assert {p["name"] for p in content["parameters"]} == {"upload_file_id", "signature"}


AGENT_API = {"/v1/agents", "/v1/agents/{agent_id}/execute", "/v1/chat", "/v1/chat/stream"}


def test_openapi_describes_what_the_server_sends(demo_app):
    """Issue 9 F15: /v1 declares its key and bodies, errors have error schemas, lists are lists."""
    spec = demo_app.test_client().get("/openapi.json").get_json()
    validate_openapi(spec)
    components = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiKey": []}], (method, path)
            responses = operation["responses"]
            assert {"200", "400", "401", "404"} <= set(responses) or "{" not in path and method == "get", path
            for status, response in responses.items():
                if not status.startswith("2"):  # 201: POST /v1/agents creates
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/OpenAIError")
            if method == "post" and path not in AGENT_API:  # the gateway's model calls
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert {"model"} <= set(components[ref.rsplit("/", 1)[1]]["required"])
                assert {"401", "404", "502", "503"} <= set(responses)
            elif method == "post":  # the agent API (docs/agent-api.md)
                assert {"400", "401", "404"} <= set(responses) and "requestBody" in operation, path
    assert "404" in spec["paths"]["/v1/models/{model_id}"]["get"]["responses"]
    chat = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert set(chat) == {"application/json", "text/event-stream"}
    whoami = spec["paths"]["/openapi/whoami"]["get"]["responses"]
    assert whoami["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    # a paginated list is documented as {list: [item], paginator}, a plain list as an array
    keys = spec["paths"]["/openapi/api-keys"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    data = keys["anyOf"][0]["properties"]["data"]
    assert data["properties"]["list"]["items"]["$ref"].endswith("/ApiKeyResp")
    assert data["properties"]["paginator"]["$ref"].endswith("/Paginator")
    creds = spec["paths"]["/language-model-credentials"]["get"]["responses"]["200"]["content"]["application/json"]
    assert creds["schema"]["anyOf"][0]["properties"]["data"]["type"] == "array"
    icon = spec["paths"]["/language-models/{provider_name}/icon"]["get"]["responses"]["200"]["content"]
    assert "image/svg+xml" in icon


def test_swagger_ui_is_served_offline(client):
    page = client.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in re.findall(r'(?:src|href)="(/docs/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.data) > 0, asset
    assert "/openapi.json" in client.get("/docs/swagger-initializer.js").get_data(as_text=True)
    assert client.get("/docs/index.html").status_code == 404
    assert client.get("/docs/../config/config.py").status_code == 404
