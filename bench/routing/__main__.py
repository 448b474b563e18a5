"""`make bench` → bench.routing: the cost of a task-aware routing decision, in process.

Times, per call (best of --rounds medians): the rule classifier on short English/Chinese
prompts, a code prompt and a ~100 KB document; `profile_chat` (requirements + token estimate +
class) on the same bodies; and the whole decision of a three-deployment task_aware group
(`Router.order`: capability filter, tiers, adaptive shares from the embedded stats store,
weighted draw) next to the `priority` strategy's ordering. No services needed; with
`--redis redis://127.0.0.1:6379/0` also the Redis store's cost on the request path (an outcome
is queued for the background writer; reads are cached) next to a synchronous round trip.

Budget: a decision (profile + order) under 100 µs on prompts of ordinary size (--strict: exit 1).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.routing import InMemoryRouteStatsStore, classify, profile_chat

BUDGET_US = 100.0
PROMPTS = {
    "chat_en": "What should I cook tonight? Something quick with rice, please.",
    "chat_zh": "今天适合去公园散步吗？给我一些建议。",
    "code_en": "Write a Python function that merges two sorted lists and explain its complexity.",
    "translate_zh": "请把这段话翻译成英文：我们明天上午十点在会议室见面。",
    "document_100k": "Quarterly results were strong across every region. " * 2000,
}


def per_call_us(fn: Callable[[], object], rounds: int, n: int) -> float:
    medians = []
    for _ in range(rounds):
        samples = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            fn()
            samples.append(time.perf_counter_ns() - t0)
        medians.append(statistics.median(samples) / 1000)
    return min(medians)


def redis_rows(url: str, rounds: int, n: int) -> None:
    import uuid

    import redis

    from internal.core.language_model.routing import Decision, RedisRouteStatsStore

    client = redis.Redis.from_url(url)
    prefix = f"bench:route:{uuid.uuid4().hex}:"
    queued = RedisRouteStatsStore(client, prefix=prefix, local_ttl=1.0)
    direct = RedisRouteStatsStore(client, prefix=prefix, local_ttl=1.0, flush_interval=None)
    d = Decision("chat", "a", "a", (), 1.0)
    try:
        q = per_call_us(lambda: queued.observe("a", 12.0, False, 0.2, 300, ("g", d)), rounds, n)
        s = per_call_us(lambda: direct.observe("a", 12.0, False, 0.2, 300, ("g", d)), rounds, n)
        r = per_call_us(lambda: queued.stats(["a", "b", "c"]), rounds, n)
        queued.close()
        print(f"{'redis: outcome queued (as served)':<34}{'-':<16}{q:>10.1f}")
        print(f"{'redis: outcome, synchronous trip':<34}{'-':<16}{s:>10.1f}")
        print(f"{'redis: stats of 3, cached 1 s':<34}{'-':<16}{r:>10.1f}")
    finally:
        for k in client.scan_iter(prefix + "*"):
            client.delete(k)


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.routing")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-n", type=int, default=2000, help="calls per round")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--redis", default="", help="also time the Redis stats store against this URL")
    args = ap.parse_args()

    catalog = LanguageModelCatalog()
    protocols = {p.name: p.provider_entity.protocol for p in catalog.get_providers()}
    base = {"provider": "openai_compatible", "api_base": "http://127.0.0.1:9/v1"}
    cfg = parse_router_config({"model_groups": {
        "ta": {"strategy": "task_aware", "deployments": [
            {**base, "id": "coder", "model": "c", "tasks": ["code"], "features": ["tool_call"]},
            {**base, "id": "talker", "model": "t", "tasks": ["chat", "translation"]},
            {**base, "id": "general", "model": "g", "context_window": 32000}]},
        "prio": {"deployments": [{**base, "id": "p1", "model": "a"}, {**base, "id": "p2", "model": "b", "priority": 1}]},
    }}, protocols)
    stats = InMemoryRouteStatsStore()
    router = Router(cfg, catalog, rng=random.Random(1), route_stats=stats)
    for key, lat in (("coder", 120.0), ("talker", 40.0), ("general", 300.0)):
        for _ in range(5):
            stats.observe(key, lat, False, 0.2, 300)
    ta, prio = router.resolve("ta"), router.resolve("prio")

    print(f"{'what':<34}{'prompt':<16}{'µs/call':>10}")
    worst = 0.0
    for name, text in PROMPTS.items():
        body = {"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}]}
        c = per_call_us(lambda t=text: classify(t, "", 0, 8000), args.rounds, args.n)
        p = per_call_us(lambda b=body: profile_chat(b, 8000), args.rounds, args.n)
        req = profile_chat(body, 8000)
        o = per_call_us(lambda r=req: router.order(ta, r), args.rounds, args.n)
        print(f"{'classify':<34}{name:<16}{c:>10.1f}")
        print(f"{'profile_chat (needs+tokens+class)':<34}{name:<16}{p:>10.1f}")
        print(f"{'order task_aware (3 deployments)':<34}{name:<16}{o:>10.1f}")
        if name != "document_100k":
            worst = max(worst, p + o)
    base_us = per_call_us(lambda: router.order(prio), args.rounds, args.n)
    print(f"{'order priority (baseline)':<34}{'-':<16}{base_us:>10.1f}")
    if args.redis:
        redis_rows(args.redis, args.rounds, min(args.n, 1000))
    ok = worst <= BUDGET_US
    print(f"worst decision (profile + order, ordinary prompts): {worst:.1f} µs — budget {BUDGET_US:.0f} µs: "
          f"{'ok' if ok else 'MISSED'}")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
