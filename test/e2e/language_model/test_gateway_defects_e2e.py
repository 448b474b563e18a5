"""Regressions of issue 9 on the running server (both layouts): a malformed upstream 200 is a 502
(F13), and provider-credential changes take effect on the very next /v1 request (F14)."""
from __future__ import annotations

import httpx
import openai
import pytest

MSG = [{"role": "user", "content": "hi"}]


def test_a_malformed_upstream_200_is_a_502_blocking_and_streaming(oai, gateway_server, api_key):
    with pytest.raises(openai.APIStatusError) as blocking:
        oai.chat.completions.create(model="malformed-model", messages=MSG)
    assert blocking.value.status_code == 502
    assert blocking.value.body["code"] == "upstream_invalid_response"
    res = httpx.post(gateway_server.url + "/v1/chat/completions", timeout=30,
                     headers={"Authorization": f"Bearer {api_key}"},
                     json={"model": "malformed-model", "messages": MSG, "stream": True})
    assert res.status_code == 502 and res.headers["content-type"].startswith("application/json")
    assert res.json()["error"]["code"] == "upstream_invalid_response"


def test_credential_changes_reach_every_worker_at_once(gateway_server, api_key):
    """Changed from another process (the in-process twin on the production layout, whose only
    link to the server's workers is Redis) or on the server itself (the embedded default, one
    process): the next /v1 requests, on any worker, see the change."""
    url, headers = gateway_server.url, {"Authorization": f"Bearer {api_key}"}
    body = {"model": "openai_compatible/fake-gpt", "messages": MSG}
    twin = gateway_server.app.test_client() if gateway_server.layout == "production" else None

    def console(path: str, **kwargs) -> dict:
        if twin is not None:
            return twin.post(path, headers=gateway_server.console_headers, **kwargs).get_json()
        return httpx.post(url + path, headers=gateway_server.console_headers, timeout=30, **kwargs).json()

    def statuses() -> set[int]:  # fresh connections: spread over the workers
        return {httpx.post(url + "/v1/chat/completions", json=body, headers=headers, timeout=30).status_code
                for _ in range(4)}

    assert statuses() == {404}  # no credentials yet (and that answer is now cached by the workers)
    stored = console("/language-model-credentials/openai_compatible",
                     json={"config": {"base_url": gateway_server.upstream + "/v1", "api_key": "sk-account"}})
    assert stored["code"] == "success", stored
    assert statuses() == {200}  # new credentials appear at once
    deleted = console("/language-model-credentials/openai_compatible/delete")
    assert deleted["code"] == "success", deleted
    assert statuses() == {404}  # deleted credentials stop working at once
