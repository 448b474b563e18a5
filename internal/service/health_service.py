"""Readiness checks for /health: database, Redis, Celery broker, upload storage.

Every check runs with a deadline in its own thread, so a hung dependency makes the probe
fail in bounded time instead of hanging it. Failure reasons name the check and the error
class, never connection strings or credentials.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from celery import Celery
from injector import inject
from redis import Redis
from sqlalchemy import text

from config import Config
from internal.core.storage import Storage
from pkg.sqlalchemy import SQLAlchemy

CHECK_TIMEOUT_SECONDS = 5.0


@dataclass
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    detail: str = ""

    def as_dict(self) -> dict:
        result = {"status": "ok" if self.ok else "fail", "latency_ms": round(self.latency_ms, 2)}
        if self.detail:
            result["detail"] = self.detail
        return result


@inject
@dataclass
class HealthService:
    db: SQLAlchemy
    redis: Redis
    celery: Celery
    storage: Storage
    conf: Config

    def readiness(self) -> dict:
        engine = self.db.engine  # resolved here: the check threads have no app context
        checks: dict[str, Callable[[], str]] = {
            "database": lambda: self._check_database(engine),
            "redis": self._check_redis,
            "broker": self._check_broker,
            "storage": self._check_storage,
        }
        results = self._run(checks)
        failed = [r.name for r in results if not r.ok]
        return {"status": "ok" if not failed else "fail", "live": True, "failed": failed,
                "checks": {r.name: r.as_dict() for r in results}}

    def _run(self, checks: dict[str, Callable[[], str]]) -> list[CheckResult]:
        pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
        started = time.perf_counter()
        futures = {name: pool.submit(_timed, fn) for name, fn in checks.items()}
        results = []
        for name, future in futures.items():
            remaining = max(0.0, CHECK_TIMEOUT_SECONDS - (time.perf_counter() - started))
            try:
                latency, detail = future.result(timeout=remaining)
                results.append(CheckResult(name, True, latency, detail))
            except FutureTimeout:
                results.append(CheckResult(name, False, CHECK_TIMEOUT_SECONDS * 1000, "timed out"))
            except Exception as exc:  # the reason is the error class: no hosts, no secrets
                results.append(CheckResult(name, False, (time.perf_counter() - started) * 1000,
                                           f"{exc.__class__.__name__}"))
        pool.shutdown(wait=False, cancel_futures=True)
        return results

    @staticmethod
    def _check_database(engine) -> str:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
        return engine.dialect.name

    def _check_redis(self) -> str:
        if not self.redis.ping():
            raise ConnectionError("no PONG")
        return "redis" if self.conf.uses_redis else "in-process"

    def _check_broker(self) -> str:
        url = self.celery.conf.broker_url or ""
        if url.startswith("filesystem"):
            folder = self.conf.broker_dir
            if not folder.is_dir():
                raise FileNotFoundError("broker folder missing")
            return "filesystem"
        if url.startswith("memory"):
            return "memory"
        with self.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
            transport = connection.transport_cls
        return str(transport)

    def _check_storage(self) -> str:
        self.storage.check()
        return self.conf.STORAGE_BACKEND


def _timed(fn: Callable[[], str]) -> tuple[float, str]:
    started = time.perf_counter()
    detail = fn()
    return (time.perf_counter() - started) * 1000, detail
