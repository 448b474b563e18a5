import json

import pytest

from pkg.json_codec import dumps, loads


def test_dumps_is_compact_utf8_and_round_trips():
    obj = {"model": "m", "messages": [{"role": "user", "content": "你好 ✓"}], "temperature": 0.5, "n": 1}
    raw = dumps(obj)
    assert isinstance(raw, bytes)
    assert raw == json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    assert loads(raw) == obj and loads(raw.decode()) == obj


def test_dumps_falls_back_for_what_orjson_refuses():
    assert loads(dumps({"seed": 2**80})) == {"seed": 2**80}  # beyond 64 bits
    assert dumps({1: "a"}) == b'{"1":"a"}'  # non-string keys, as the json module writes them


@pytest.mark.parametrize("bad", [b"", b"{", b"[1,]", b"\xff"])
def test_loads_raises_value_error_on_malformed_input(bad):
    with pytest.raises(ValueError):
        loads(bad)
