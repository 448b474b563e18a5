"""ModelUsageWriter: a batch round-trips field for field (a JSON-array INSERT on PostgreSQL, a multi-row
INSERT on SQLite)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from internal.core.language_model.usage import UsageRecord
from internal.model.language_model import ModelUsage
from internal.service.model_usage_writer import ModelUsageWriter
from pkg.sqlalchemy import SQLAlchemy


def test_batch_round_trips_every_field(db_app):
    writer = db_app.extensions["injector"].get(ModelUsageWriter)
    key_id, account_id = str(uuid.uuid4()), str(uuid.uuid4())
    awkward = "tab\there, back\\slash, new\nline, cr\r, quote\"' comma, 汉字 \\N"
    records = [
        UsageRecord(model=awkward, endpoint="chat", status="success", api_key_id=key_id, account_id=account_id,
                    deployment_id="dep-1", provider="openai", upstream_model="gpt-4o-mini", stream=True,
                    prompt_tokens=3, completion_tokens=5, total_tokens=8, estimated=True, cost=0.000125,
                    currency="CNY", latency_ms=12.5, ttft_ms=3.25, attempts=2,
                    created_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
        UsageRecord(model="m", endpoint="embedding", status="error", error_code="upstream_timeout",
                    api_key_id="not-a-uuid", deployment_id="", upstream_model=""),
    ]
    writer.write(records)
    db = db_app.extensions["injector"].get(SQLAlchemy)
    with db_app.app_context():
        rows = {r.model: r for r in db.session.scalars(select(ModelUsage)).all()}
    first, second = rows[awkward], rows["m"]
    assert (first.api_key_id, first.account_id) == (uuid.UUID(key_id), uuid.UUID(account_id))
    assert (first.endpoint, first.status, first.provider, first.deployment_id, first.upstream_model) == \
        ("chat", "success", "openai", "dep-1", "gpt-4o-mini")
    assert first.stream is True and first.estimated is True
    assert (first.prompt_tokens, first.completion_tokens, first.total_tokens, first.attempts) == (3, 5, 8, 2)
    assert (first.cost, first.currency, first.latency_ms, first.ttft_ms) == (0.000125, "CNY", 12.5, 3.25)
    assert first.error_code is None
    assert first.created_at.replace(tzinfo=UTC) == datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert second.api_key_id is None and second.account_id is None
    assert second.deployment_id is None and second.upstream_model is None and second.provider is None
    assert second.ttft_ms is None and second.stream is False and second.error_code == "upstream_timeout"
