import pytest

from internal.core.language_model.url_guard import BlockedAddressError, UrlGuard, literal_host_blocked


@pytest.mark.parametrize("url", ["http://127.0.0.1/v1", "http://localhost:8000", "http://169.254.169.254/",
                                 "http://10.0.0.1", "http://192.168.1.2", "http://[::1]/", "http://0.0.0.0/",
                                 "http://[::ffff:127.0.0.1]/"])
def test_private_destinations_are_refused(url):
    with pytest.raises(BlockedAddressError):
        UrlGuard().check_url(url)


def test_allow_list_by_host_or_host_port():
    UrlGuard(["127.0.0.1"]).check_url("http://127.0.0.1:9999/v1")
    UrlGuard(["localhost:11434"]).check_url("http://localhost:11434/v1")
    with pytest.raises(BlockedAddressError):
        UrlGuard(["localhost:11434"]).check_url("http://localhost:8000/v1")


def test_public_literal_and_bad_urls():
    assert UrlGuard().resolve("8.8.8.8", 443) == ["8.8.8.8"]
    for bad in ("ftp://8.8.8.8/", "http://user:pw@8.8.8.8/", "http:///nohost"):
        with pytest.raises(BlockedAddressError):
            UrlGuard().check_url(bad)


def test_literal_check_needs_no_dns():
    g = UrlGuard()
    assert literal_host_blocked("http://127.0.0.1:1/v1", g) and literal_host_blocked("http://localhost/", g)
    assert not literal_host_blocked("https://api.openai.com/v1", g)
    assert not literal_host_blocked("http://127.0.0.1:1/v1", UrlGuard(["127.0.0.1"]))
