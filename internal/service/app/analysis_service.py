"""Usage analysis of one app (GET /analysis/<app_id>), in UTC days.

Current period: the last 7 days including today; previous period: the 7 days before. Figures
(docs/apps.md): total_messages (finished messages), active_accounts (distinct people who
talked), avg_of_conversation_messages (messages per conversation), token_output_rate (answer
tokens per second of latency), cost_consumption (price of every model call). Each carries
`pop`, the change against the previous period ((cur - prev) / prev; 0 when prev is 0), and a
daily trend over the current period. Two SQL aggregate queries, cached in Redis (or the
in-process stand-in) under the app's epoch, which finishing a message bumps; entries expire
after ANALYSIS_CACHE_SECONDS anyway, and the date is in the key, so a new day recomputes."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from injector import inject
from redis import Redis
from sqlalchemy import case, distinct, func, select

from config import Config
from internal.entity.app_entity import MessageStatus
from internal.model.conversation import Message
from pkg.sqlalchemy import SQLAlchemy

from .app_service import AppService
from .conversation_service import analysis_epoch_key

PERIOD_DAYS = 7
FIELDS = ("total_messages", "active_accounts", "avg_of_conversation_messages", "token_output_rate", "cost_consumption")


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _figures(messages: int, people: int, conversations: int, answer_tokens: int, latency: float, cost: float) -> dict:
    return {
        "total_messages": int(messages),
        "active_accounts": int(people),
        "avg_of_conversation_messages": round(messages / conversations, 4) if conversations else 0.0,
        "token_output_rate": round(answer_tokens / latency, 4) if latency else 0.0,
        "cost_consumption": round(float(cost), 8),
    }


def _pop(cur: float, prev: float) -> float:
    return round((cur - prev) / prev, 4) if prev else 0.0


@inject
@dataclass
class AnalysisService:
    db: SQLAlchemy
    redis: Redis
    conf: Config
    apps: AppService

    def get_app_analysis(self, account_id: uuid.UUID, app_id, today: date | None = None) -> dict[str, Any]:
        app = self.apps.get_app(account_id, app_id)
        today = today or datetime.now(UTC).date()
        epoch = self.redis.get(analysis_epoch_key(app.id)) or "0"
        key = f"app-analysis:{app.id}:{today.isoformat()}:{epoch}"
        cached = self.redis.get(key)
        if cached:
            return json.loads(cached)
        result = self._compute(app.id, today)
        self.redis.set(key, json.dumps(result), ex=self.conf.ANALYSIS_CACHE_SECONDS)
        return result

    def _compute(self, app_id: uuid.UUID, today: date) -> dict[str, Any]:
        end = _midnight(today + timedelta(days=1))
        start = end - timedelta(days=PERIOD_DAYS)
        prev_start = start - timedelta(days=PERIOD_DAYS)
        finished = (Message.app_id == app_id, Message.status != MessageStatus.RUNNING.value)

        def per(period_start: datetime, period_end: datetime, column):
            inside = (Message.created_at >= period_start) & (Message.created_at < period_end)
            return case((inside, column), else_=None)

        cols = []
        for lo, hi in ((start, end), (prev_start, start)):
            cols += [
                func.count(per(lo, hi, Message.id)),
                func.count(distinct(per(lo, hi, Message.created_by))),
                func.count(distinct(per(lo, hi, Message.conversation_id))),
                func.coalesce(func.sum(per(lo, hi, Message.answer_token_count)), 0),
                func.coalesce(func.sum(per(lo, hi, Message.latency)), 0),
                func.coalesce(func.sum(per(lo, hi, Message.price)), 0),
            ]
        row = self.db.session.execute(select(*cols).where(
            *finished, Message.created_at >= prev_start, Message.created_at < end)).one()
        current, previous = _figures(*row[:6]), _figures(*row[6:])

        # UTC days on PostgreSQL whatever the session's time zone (SQLite stores UTC already)
        stamp = (func.timezone("UTC", Message.created_at) if self.db.engine.dialect.name == "postgresql"
                 else Message.created_at)
        day = func.date(stamp)
        daily = {str(r[0]): _figures(*r[1:]) for r in self.db.session.execute(
            select(day, func.count(Message.id), func.count(distinct(Message.created_by)),
                   func.count(distinct(Message.conversation_id)),
                   func.coalesce(func.sum(Message.answer_token_count), 0),
                   func.coalesce(func.sum(Message.latency), 0), func.coalesce(func.sum(Message.price), 0))
            .where(*finished, Message.created_at >= start, Message.created_at < end).group_by(day))}
        days = [today - timedelta(days=PERIOD_DAYS - 1 - i) for i in range(PERIOD_DAYS)]
        empty = _figures(0, 0, 0, 0, 0, 0)
        x_axis = [int(_midnight(d).timestamp()) for d in days]
        out: dict[str, Any] = {f: {"data": current[f], "pop": _pop(current[f], previous[f])} for f in FIELDS}
        for f in FIELDS:
            out[f"{f}_trend"] = {"x_axis": x_axis, "y_axis": [daily.get(d.isoformat(), empty)[f] for d in days]}
        out["previous"] = previous
        return out
