"""The provider client for a deployment's protocol."""
from __future__ import annotations

from typing import Any

from .anthropic_client import AnthropicClient
from .clients import AzureOpenAIClient, OpenAICompatibleClient, ProviderClient
from .local_client import LocalClient


def client_for_protocol(protocol: str, url_guard: Any = None, pool: Any = None) -> ProviderClient:
    """`pool`: the HTTP pool to use (a traced one when tracing is on); None: the process's pool."""
    if protocol == "azure_openai":
        return AzureOpenAIClient(pool=pool, url_guard=url_guard)
    if protocol == "anthropic":
        return AnthropicClient(pool=pool, url_guard=url_guard)
    if protocol == "local":
        return LocalClient()
    return OpenAICompatibleClient(pool=pool, url_guard=url_guard)
