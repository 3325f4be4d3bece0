"""A webhook receiver down for two minutes, replayed against the production stack on this
machine (gunicorn, a worker per queue, beat, PostgreSQL, Redis) with the real retry schedule:
every unit's alerts go to one receiver, which refuses connections for ``--down`` seconds and
comes back. Prints how many alerts were sent, accepted exactly once (by webhook-id), accepted
twice, dead-lettered, retried, and how many urgent ones the coordinators were told of.

    .venv/bin/python -m bench.outage [--down 120] [--rate 0.5] [--before 20] [--after 20]

Takes the outage plus the schedule's third wait (5 minutes): about 8 minutes. Uses a fresh
database and Redis db 14 (MC_BENCH_REDIS_URL picks another).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import time

os.environ.setdefault("MC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.paths import pct  # noqa: E402
from bench.stack import Stack  # noqa: E402
from notifications.webhook import new_secret  # noqa: E402
from tests.workers.receivers import OutageReceiver  # noqa: E402

# Three urgent (VOLD, UNG, FAMILIE) in ten, as the routing benchmark's day.
MIX = ("VOLD", "HAERVAERK", "NABO", "UNG", "TYVERI", "GRUPPE", "FAMILIE", "UTRYG", "NARKO")
NORREBRO = {"lat": 55.6960, "lon": 12.5450}
UNITS = ("POLICE", "SSP", "HOUSING", "VINK", "BBU")  # COORD keeps in-app: the fallback's way


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def configure(stack: Stack, url: str, secret: str) -> None:
    engine = sa.create_engine(stack.db_url)
    channels = json.dumps({"high": ["webhook"], "normal": ["webhook"], "low": ["webhook"]})
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE unit SET webhook_url = :url, webhook_secret = :secret, "
                "channels = CAST(:channels AS json) WHERE code = ANY(:codes)"
            ),
            {"url": url, "secret": secret, "channels": channels, "codes": list(UNITS)},
        )
    engine.dispose()


def submit_for(base: str, seconds: float, rate: float, categories) -> int:
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        body = {"category": next(categories), "text": "Målt i bench.outage.", **NORREBRO}
        if body["category"] in ("NABO", "HAERVAERK"):
            body["housing_estate"] = True
        if body["category"] == "UNG":
            body["minor_involved"] = True
        res = requests.post(f"{base}/api/v1/reports", json=body, timeout=10)
        res.raise_for_status()
        n += 1
        time.sleep(1 / rate)
    return n


def figures(stack: Stack, receiver: OutageReceiver) -> dict:
    engine = sa.create_engine(stack.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, status, attempts, urgent, created_at, dedupe_key, channel "
                "FROM delivery WHERE audience = 'unit'"
            )
        ).all()
    engine.dispose()
    # The units' alerts by webhook (the coordinators' own, in-app, never reach the receiver).
    alerts = [r for r in rows if r.dedupe_key.startswith("assigned:") and r.channel == "webhook"]
    accepted = receiver.once_each()
    first = {}
    with receiver.lock:
        for r in receiver.requests:
            if r["code"] == 200:
                first.setdefault(r["headers"]["webhook-id"], r["at"])
    waits = [
        first[f"msg_{a.id}"] - a.created_at.timestamp() for a in alerts if f"msg_{a.id}" in first
    ]
    return {
        "alerts": len(alerts),
        "urgent": sum(a.urgent for a in alerts),
        "accepted once": sum(1 for a in alerts if accepted.get(f"msg_{a.id}") == 1),
        "accepted twice or more": sum(1 for a in alerts if accepted.get(f"msg_{a.id}", 0) > 1),
        "dead": sum(a.status == "dead" for a in alerts),
        "retried": sum(a.attempts > 1 for a in alerts),
        "attempts": dict(sorted(collections.Counter(a.attempts for a in alerts).items())),
        "coordinators told (urgent, undelivered)": len(
            {r.dedupe_key.split(":")[1] for r in rows if r.dedupe_key.startswith("fallback:")}
        ),
        "submit -> accepted p50 s": round(pct(waits, 50), 1) if waits else None,
        "submit -> accepted max s": round(max(waits), 1) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--down", type=float, default=120)
    parser.add_argument("--rate", type=float, default=0.5, help="reports per second")
    parser.add_argument("--before", type=float, default=20)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    secret = new_secret()
    receiver = OutageReceiver(secret)
    stack = Stack(web_workers=1, normal_concurrency=1)
    try:
        stack.prepare()
        configure(stack, receiver.url, secret)
        stack.start_web()
        stack.start_workers()
        stack.start_beat()
        categories = itertools.cycle(MIX)
        n = submit_for(stack.base, args.before, args.rate, categories)
        log(f"{n} reports; the receiver goes down for {args.down:.0f} s")
        receiver.down()
        n += submit_for(stack.base, args.down, args.rate, categories)
        receiver.up()
        log(f"{n} reports; the receiver is back")
        n += submit_for(stack.base, args.after, args.rate, categories)
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            f = figures(stack, receiver)
            if f["accepted once"] + f["accepted twice or more"] + f["dead"] >= f["alerts"]:
                break
            time.sleep(5)
        log(f"{n} reports submitted")
        for key, value in figures(stack, receiver).items():
            print(f"  {key}: {value}")
    finally:
        stack.stop()
        receiver.close()


if __name__ == "__main__":
    main()
