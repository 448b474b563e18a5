"""Application settings: environment variables, then `.env`, then the defaults below.

Every field is documented in `.env.example` and docs/configuration.md. Building a Config
reads the environment; importing this module does nothing.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CsvList = Annotated[list[str], NoDecode]


# PostgreSQL goes through psycopg 3 (it cooperates with gevent by itself, and COPY works there);
# URLs naming no driver or the former psycopg2 one are read as psycopg URLs.
_PG_URL_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg2://")


def with_psycopg_driver(url: str) -> str:
    for prefix in _PG_URL_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- runtime -----------------------------------------------------------------------
    ENV: Literal["development", "production", "test"] = "development"
    INSTANCE_DIR: Path = PROJECT_ROOT / "instance"
    # Empty means: generate one and keep it in INSTANCE_DIR/secret_key (embedded default).
    SECRET_KEY: str = Field(default="", repr=False)
    # Key for provider/tool credentials at rest (Fernet, urlsafe base64 32 bytes). Empty:
    # derived from SECRET_KEY.
    ENCRYPTION_KEY: str = Field(default="", repr=False)

    # --- database ----------------------------------------------------------------------
    # Empty means the embedded SQLite file INSTANCE_DIR/llmops.db.
    SQLALCHEMY_DATABASE_URI: str = Field(default="", repr=False)
    SQLALCHEMY_POOL_SIZE: int = 10
    SQLALCHEMY_MAX_OVERFLOW: int = 10  # connections opened beyond the pool under bursts
    SQLALCHEMY_POOL_TIMEOUT: float = 30.0  # seconds a request waits for a connection; then 503
    SQLALCHEMY_PING_IDLE_SECONDS: float = 10.0  # a pooled connection idle this long is pinged before use
    SQLALCHEMY_POOL_RECYCLE: int = 3600
    SQLALCHEMY_ECHO: bool = False

    # --- redis / celery ----------------------------------------------------------------
    # Empty means in-process implementations (fakeredis) for cache, locks, limits.
    REDIS_URL: str = Field(default="", repr=False)
    # Empty means a local filesystem broker under INSTANCE_DIR/broker (embedded default).
    CELERY_BROKER_URL: str = Field(default="", repr=False)
    CELERY_RESULT_BACKEND: str = Field(default="", repr=False)
    CELERY_TASK_ALWAYS_EAGER: bool = False

    # --- HTTP surfaces -----------------------------------------------------------------
    CORS_ORIGINS: CsvList = Field(default_factory=lambda: ["http://localhost:5173", "http://127.0.0.1:5173"])
    METRICS_ALLOWED_IPS: CsvList = Field(default_factory=list)  # empty: open
    TRUST_PROXY_HOPS: int = 0  # set to 1 behind nginx so client IPs are right

    # --- logging -----------------------------------------------------------------------
    LOG_LEVEL: str = "INFO"
    LOG_DIR: Path | None = None  # default INSTANCE_DIR/logs
    LOG_FILE_MAX_BYTES: int = 10 * 1024 * 1024
    LOG_FILE_BACKUPS: int = 5

    # --- tracing (OpenTelemetry, docs/operations.md "Observe") -------------------------
    # Off: no tracer provider, no instrumentation, no exporter (the /v1 path pays nothing).
    OTEL_ENABLED: bool = False
    OTEL_SERVICE_NAME: str = "llmops"
    # OTLP/HTTP collector base URL (spans go to <endpoint>/v1/traces); empty: spans are only
    # recorded in the process (trace ids in log lines), never sent anywhere.
    OTEL_EXPORTER_OTLP_ENDPOINT: str = Field(default="", repr=False)
    OTEL_EXPORTER_OTLP_HEADERS: str = Field(default="", repr=False)  # k=v,k2=v2 (auth tokens of the collector)
    # share of new traces kept (parentbased_traceidratio: a sampled caller's trace is always kept)
    OTEL_TRACES_SAMPLER_ARG: float = Field(default=1.0, ge=0.0, le=1.0)

    # --- accounts and auth -------------------------------------------------------------
    JWT_EXPIRES_SECONDS: int = 7 * 24 * 3600
    REGISTRATION_ENABLED: bool = False
    LOGIN_MAX_FAILURES: int = 5  # per account (e-mail) inside the window
    LOGIN_MAX_FAILURES_PER_IP: int = 20  # per client IP inside the window (NATs share IPs)
    LOGIN_FAILURE_WINDOW_SECONDS: int = 900
    # A password change without old_password is accepted only this long after a password login.
    PASSWORD_REAUTH_WINDOW_SECONDS: int = 600
    # Language of console messages when Accept-Language names neither zh nor en.
    DEFAULT_LOCALE: str = "en"
    INIT_ACCOUNT_EMAIL: str = ""
    INIT_ACCOUNT_PASSWORD: str = Field(default="", repr=False)

    OAUTH_GITHUB_CLIENT_ID: str = ""
    OAUTH_GITHUB_CLIENT_SECRET: str = Field(default="", repr=False)
    OAUTH_GITHUB_REDIRECT_URI: str = ""
    OAUTH_GITHUB_AUTHORIZE_URL: str = "https://github.com/login/oauth/authorize"
    OAUTH_GITHUB_TOKEN_URL: str = "https://github.com/login/oauth/access_token"
    OAUTH_GITHUB_API_BASE: str = "https://api.github.com"
    OAUTH_STATE_TTL_SECONDS: int = 600
    OAUTH_TIMEOUT_SECONDS: float = 10.0
    # An OAuth identity whose VERIFIED e-mail matches an existing account is linked to it only
    # when this is true; otherwise sign-in is refused (no silent takeover). See docs/auth.md.
    OAUTH_LINK_EXISTING_ACCOUNTS: bool = False

    # --- API keys ----------------------------------------------------------------------
    API_KEY_RATE_LIMIT: str = "120/minute"  # per API key, on /openapi/* and /v1/* (limits syntax)
    API_KEY_LAST_USED_INTERVAL_SECONDS: int = 60  # last_used_at is written at most this often

    # --- uploads -----------------------------------------------------------------------
    STORAGE_BACKEND: Literal["local", "s3"] = "local"
    STORAGE_LOCAL_DIR: Path | None = None  # default INSTANCE_DIR/storage
    S3_ENDPOINT_URL: str = ""
    S3_BUCKET: str = "llmops"
    S3_ACCESS_KEY: str = Field(default="", repr=False)
    S3_SECRET_KEY: str = Field(default="", repr=False)
    S3_REGION: str = "us-east-1"
    UPLOAD_FILE_MAX_BYTES: int = 15 * 1024 * 1024
    UPLOAD_IMAGE_MAX_BYTES: int = 5 * 1024 * 1024

    # --- knowledge base (docs/knowledge-base.md) -----------------------------------------
    KNOWLEDGE_DIR: Path | None = None  # local vector/BM25 shards; default INSTANCE_DIR/knowledge
    VECTOR_STORE: Literal["local", "milvus"] = "local"
    MILVUS_URI: str = ""  # http://milvus:19530, or a local file path for Milvus Lite
    MILVUS_TOKEN: str = Field(default="", repr=False)
    # the embedding model new datasets are bound to: "local:all-MiniLM-L6-v2" (offline) or
    # "<provider>:<model>" served by EMBEDDING_BASE_URL (any OpenAI-compatible /embeddings)
    EMBEDDING_MODEL: str = "local:all-MiniLM-L6-v2"
    EMBEDDING_BASE_URL: str = ""
    EMBEDDING_API_KEY: str = Field(default="", repr=False)
    EMBEDDING_DIMENSION: int = 0
    # ONNX Runtime intra-op threads per embedding call of the local model; 0 = all cores.
    # 1 by default: indexing parallelism comes from worker processes (one per core), which
    # measured ~1.3x the throughput of one process using both cores (docs/knowledge-base.md)
    EMBEDDING_THREADS: int = 1
    # content-hash embedding cache: auto = Redis when REDIS_URL is set, else in-process
    EMBEDDING_CACHE: Literal["auto", "memory", "redis", "database"] = "auto"
    KB_INDEXING_LEASE_SECONDS: int = 300  # a document in progress longer than this without a heartbeat is re-queued
    KB_SWEEP_INTERVAL_SECONDS: int = 60
    KB_DOCS_PER_TASK: int = 8  # documents of one tenant claimed and indexed together by one task
    KB_SPLIT_TIME_BUDGET_SECONDS: float = 60.0  # a document whose splitting takes longer ends in error
    # retrievals' query-log rows and hit counts are written in one batch per interval, off the
    # request (a process reads its own at once; other processes' within this interval)
    KB_HIT_LOG_FLUSH_SECONDS: float = Field(default=1.0, gt=0, le=60)

    # --- agent runs and their streams (docs/agents.md) --------------------------------
    AGENT_STREAM_MAXLEN: int = 5000  # frames kept per task for readers that re-attach
    AGENT_STREAM_TTL_SECONDS: int = 1800  # a task's frames, owner and stop flag live this long after its last frame
    AGENT_LEASE_SECONDS: float = 15.0  # a run not renewed for this long counts as crashed (its message → error)
    AGENT_PING_INTERVAL_SECONDS: float = 10.0  # keep-alive frame on a stream idle for this long
    AGENT_STREAM_MAX_SECONDS: float = 900.0  # a reader gives up (timeout frame) after this long
    AGENT_STOP_POLL_SECONDS: float = 0.25  # how often a run checks its stop flag (between chunks)
    AGENT_MAX_ITERATIONS: int = Field(default=5, ge=1, le=50)  # model calls per chat turn, tool steps included
    AGENT_TURN_TIMEOUT_SECONDS: float = Field(default=600.0, gt=0)  # a whole chat turn, tools included
    AGENT_SWEEP_INTERVAL_SECONDS: float = Field(default=5.0, gt=0)  # beat: end runs whose process died
    AGENT_STREAM_READER_CONNECTIONS: int = 1  # blocking Redis connections per process serving all readers

    # --- workflow runs (docs/workflows.md) ----------------------------------------------
    # where debug and API runs execute: auto = on Celery workers when REDIS_URL is set and the
    # broker is a real one (not the embedded filesystem broker, not eager), else in this process
    WORKFLOW_RUNS_ON: Literal["auto", "worker", "process"] = "auto"

    # --- outbound HTTP (SSRF guard) ----------------------------------------------------
    SSRF_ALLOWED_HOSTS: CsvList = Field(default_factory=list)
    OUTBOUND_TIMEOUT_SECONDS: float = 30.0

    # --- workflow code node sandbox (docs/code-sandbox.md) ---------------------------------
    # bwrap: bubblewrap namespaces + seccomp + rlimits, proved by a self-test at first use;
    # disabled: code nodes are refused. There is no unsandboxed mode.
    CODE_SANDBOX: Literal["bwrap", "disabled"] = "bwrap"
    CODE_SANDBOX_POOL_SIZE: int = 2  # pre-started sandboxes per process that runs code nodes
    CODE_SANDBOX_TIMEOUT_SECONDS: float = 10.0  # wall clock of one run (a node may ask for less)
    CODE_SANDBOX_CPU_SECONDS: int = 5
    CODE_SANDBOX_MEMORY_MB: int = 256
    CODE_SANDBOX_MAX_IO_BYTES: int = 1024 * 1024  # code + inputs, and main()'s result, as JSON
    # --- apps (docs/apps.md) ----------------------------------------------------------------
    # Public URL prefix of this API as browsers reach it (e.g. https://llmops.example.com/api);
    # icon URLs in responses are built from it, never from the request's Host. Empty: paths
    # relative to the API root.
    API_PUBLIC_BASE_URL: str = ""
    APP_DEFAULT_MODEL: str = "openai/gpt-4o-mini"  # provider/model of a new app's draft
    AI_HELPER_MODEL: str = "openai/gpt-4o-mini"  # provider/model of /ai/optimize-prompt and /ai/suggested-questions
    ANALYSIS_CACHE_SECONDS: int = 3600  # app analysis cache lifetime (new messages invalidate it earlier)
    # --- builtin tools (docs/tools.md) ---------------------------------------------------
    TOOL_SEARCH_BASE_URL: str = "https://html.duckduckgo.com"  # DuckDuckGo-style HTML search
    TOOL_WIKIPEDIA_BASE_URL: str = "https://en.wikipedia.org"  # any MediaWiki site
    TOOL_WEATHER_BASE_URL: str = "https://api.openweathermap.org"  # OpenWeatherMap-compatible API
    TOOL_IMAGE_MODEL: str = "openai/dall-e-3"  # gateway model the image tool calls by default
    TOOL_HTTP_MAX_BYTES: int = 2 * 1024 * 1024  # response cap of the web reader / HTTP request tools
    TOOL_MAX_RESULT_CHARS: int = 16_000  # what an agent or node receives from one tool call

    # --- API tools (docs/tools.md, "API tools") ---------------------------------------
    API_TOOL_CONNECT_TIMEOUT_SECONDS: float = 5.0
    API_TOOL_READ_TIMEOUT_SECONDS: float = 30.0
    API_TOOL_MAX_RESPONSE_BYTES: int = 1_048_576  # a longer answer is cut (the agent sees the start)

    # --- MCP servers as tools (docs/tools.md, "MCP servers") ---------------------------
    MCP_CONNECT_TIMEOUT_SECONDS: float = 10.0  # adding / refreshing a server: connect + list tools
    MCP_CALL_TIMEOUT_SECONDS: float = 30.0  # one tools/call (never more than the tool's own time limit)
    MCP_MAX_SERVERS_PER_ACCOUNT: int = 50
    # --- our own MCP server (python -m app.mcp) ----------------------------------------
    MCP_SERVER_HOST: str = "127.0.0.1"
    MCP_SERVER_PORT: int = Field(default=5002, ge=1, le=65535)
    MCP_SERVER_ALLOWED_HOSTS: CsvList = Field(default_factory=list)  # public host[:port] names it is reached by

    @field_validator("CORS_ORIGINS", "METRICS_ALLOWED_IPS", "SSRF_ALLOWED_HOSTS", "MCP_SERVER_ALLOWED_HOSTS",
                     mode="before")
    @classmethod
    def _split_csv(cls, value):
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    # --- derived values (no side effects besides creating INSTANCE_DIR on demand) -------
    def resolved(self) -> Config:
        """Fill the embedded defaults that depend on INSTANCE_DIR."""
        self.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{self.INSTANCE_DIR / 'llmops.db'}"
        self.SQLALCHEMY_DATABASE_URI = with_psycopg_driver(self.SQLALCHEMY_DATABASE_URI)
        if not self.CELERY_BROKER_URL:
            self.CELERY_BROKER_URL = "filesystem://"
        if self.LOG_DIR is None:
            self.LOG_DIR = self.INSTANCE_DIR / "logs"
        if self.STORAGE_LOCAL_DIR is None:
            self.STORAGE_LOCAL_DIR = self.INSTANCE_DIR / "storage"
        if not self.SECRET_KEY:
            self.SECRET_KEY = self._instance_secret()
        return self

    def _instance_secret(self) -> str:
        if self.ENV == "production":
            raise ValueError("SECRET_KEY must be set in production")
        path = self.INSTANCE_DIR / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def broker_dir(self) -> Path:
        return self.INSTANCE_DIR / "broker"

    @property
    def uses_redis(self) -> bool:
        return bool(self.REDIS_URL)

    @property
    def workflow_runs_on_workers(self) -> bool:
        """Workers need a channel every process shares (Redis) and a broker they all read."""
        if self.WORKFLOW_RUNS_ON != "auto":
            return self.WORKFLOW_RUNS_ON == "worker"
        return (bool(self.REDIS_URL) and not self.CELERY_TASK_ALWAYS_EAGER
                and not (self.CELERY_BROKER_URL or "filesystem").startswith("filesystem"))
