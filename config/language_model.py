"""Settings of the language-model layer and the /v1 gateway (env vars prefixed LLM_).

Kept beside `Config` as its own settings object so the model layer can be configured and
overridden in tests (bind another `LanguageModelSettings` in an injector module).
"""
from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class LanguageModelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_prefix="LLM_")

    # YAML file with `settings`, `providers` (credentials) and `model_groups` (see docs/language-models.md).
    # Empty: no groups; catalog models are reachable once their provider has credentials.
    ROUTER_CONFIG: str = ""
    # The in-process SmolLM2 model (`smollm2-135m-instruct`), no key and no network needed.
    LOCAL_ENABLED: bool = True
    LOCAL_THREADS: int = 0  # 0: llama.cpp default
    # Per-API-key limits on /v1. RPM 0: use the platform's API_KEY_RATE_LIMIT; TPM 0: unlimited.
    RATE_LIMIT_RPM: int = 0
    RATE_LIMIT_TPM: int = 0
    # Usage records: batched, written by a background thread.
    USAGE_FLUSH_INTERVAL: float = 1.0
    USAGE_BATCH_SIZE: int = 200
    # /v1 authenticates API keys through a short in-process cache (0 disables it); entries are
    # dropped as soon as any key is updated or deleted (the Redis API-key epoch), so a disabled
    # or deleted key stops working on the next request.
    API_KEY_CACHE_SECONDS: float = 10.0
    # With Redis, each process caches deployment cooldown reads and the measured figures behind
    # task_aware weights this long (another process's cooldown or outcomes are noticed at most
    # this late; its own at once).
    STATE_LOCAL_CACHE_SECONDS: float = 1.0
    # Per-account provider credentials are cached (decrypted) in-process this long.
    CREDENTIAL_CACHE_SECONDS: float = 30.0
    # Timeout of the "test credentials" call made from the console.
    CREDENTIAL_TEST_TIMEOUT: float = 15.0
