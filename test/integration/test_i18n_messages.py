"""Envelope messages in the caller's language (Accept-Language; DEFAULT_LOCALE otherwise), and a
human message on every successful write (the console toasts it; issue 13 §1)."""
from __future__ import annotations

import pytest

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_errors_and_validation_messages_follow_accept_language(client, console):
    wrong = {"email": "nobody@example.com", "password": "Wrong-passw0rd1"}
    zh = client.post("/auth/password-login", json=wrong, headers=ZH).get_json()
    en = client.post("/auth/password-login", json=wrong, headers=EN).get_json()
    assert (zh["code"], zh["message"]) == ("fail", "账号或密码错误")
    assert (en["code"], en["message"]) == ("fail", "account or password is incorrect")
    assert client.get("/account", headers=ZH).get_json()["message"] == "请先登录（缺少 Authorization 请求头）"
    bad = console.post("/openapi/api-keys", json={"remark": "x" * 101}, headers=ZH)
    assert bad["code"] == "validate_error" and bad["message"] == "remark: 最多 100 个字符", bad
    assert bad["data"]["errors"][0]["message"] == "最多 100 个字符"
    bad_en = console.post("/openapi/api-keys", json={"remark": "x" * 101}, headers=EN)
    assert bad_en["code"] == "validate_error" and not _has_cjk(bad_en["message"]) and "100" in bad_en["message"]
    missing = console.post("/account/name", json={}, headers=ZH)
    assert missing["message"] == "name: 必填字段"


def test_default_locale_is_used_without_a_known_language(client):
    body = client.post("/auth/password-login", json={"email": "a@example.com", "password": "Wrong-passw0rd1"},
                       headers={"Accept-Language": "fr-FR"}).get_json()
    assert body["message"] == "account or password is incorrect"  # DEFAULT_LOCALE=en in the test config


# (method, path, body) of representative writes that used to answer an empty message
@pytest.mark.parametrize("lang", [ZH, EN], ids=["zh", "en"])
def test_every_successful_write_answers_a_human_message(console, lang):
    created = console.post("/openapi/api-keys", json={"remark": "toast"}, headers=lang)
    assert created["code"] == "success" and created["message"]
    key_id = created["data"]["id"]
    dataset = console.post("/datasets", json={"name": f"ds-{key_id[:6]}", "icon": "https://cdn.example.com/i.png",
                                              "description": ""}, headers=lang)
    writes = [
        dataset,
        console.post(f"/openapi/api-keys/{key_id}", json={"remark": "renamed"}, headers=lang),
        console.post(f"/openapi/api-keys/{key_id}/is-active", json={"is_active": False}, headers=lang),
        console.post("/account/name", json={"name": "Ada"}, headers=lang),
        console.post(f"/openapi/api-keys/{key_id}/delete", headers=lang),
    ]
    for body in writes:
        assert body["code"] == "success", body
        assert body["message"].strip(), body
        assert _has_cjk(body["message"]) == (lang is ZH), body
