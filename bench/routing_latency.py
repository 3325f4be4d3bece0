"""Submit-to-webhook latency: reports submitted over HTTP at a steady rate to the production
stack (gunicorn, PostgreSQL, Redis, Celery workers, beat); the police webhook receiver notes
when each report's alert arrives.

    .venv/bin/python -m bench.routing_latency --rate 20 --count 500
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.receiver import Receiver
from bench.stack import Stack


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def submit_steady(base: str, rate: float, count: int, body: dict) -> dict[str, float]:
    """Open loop: report i is sent at start + i/rate, whatever the previous ones do."""
    sent: dict[str, float] = {}
    lock = threading.Lock()
    session_local = threading.local()
    start = time.time() + 0.5

    def one(i: int) -> None:
        delay = start + i / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        s = getattr(session_local, "s", None) or requests.Session()
        session_local.s = s
        t = time.time()
        res = s.post(base + "/api/v1/reports", json={**body, "text": f"Bench {i}"}, timeout=30)
        res.raise_for_status()
        with lock:
            sent[res.json()["reference"]] = t

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, range(count)))
    return sent


def run(rate: float, count: int, category: str = "VOLD") -> dict:
    receiver = Receiver()
    stack = Stack()
    try:
        stack.prepare()
        stack.flask(
            "units",
            "set",
            "POLICE",
            "--webhook-url",
            receiver.url,
            "--webhook-secret",
            "new",
            "--channels",
            "high=webhook",
            "--channels",
            "normal=webhook",
            "--channels",
            "low=webhook",
        )
        stack.start_web()
        stack.start_workers()
        stack.start_beat()
        time.sleep(3)  # workers connected
        body = {"category": category, "lat": 55.696, "lon": 12.545}
        t0 = time.time()
        sent = submit_steady(stack.base, rate, count, body)
        submit_secs = time.time() - t0
        deadline = time.time() + 120
        while len(receiver.arrivals) < count and time.time() < deadline:
            time.sleep(0.2)
        arrivals = receiver.arrivals
        lat = [(arrivals[r] - t) * 1000 for r, t in sent.items() if r in arrivals]
        return {
            "rate": rate,
            "count": count,
            "submit_secs": submit_secs,
            "received": len(lat),
            "requests": receiver.requests,
            "p50": percentile(lat, 50),
            "p90": percentile(lat, 90),
            "p99": percentile(lat, 99),
            "max": max(lat),
            "mean": statistics.fmean(lat),
        }
    finally:
        stack.stop()
        receiver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    r = run(args.rate, args.count)
    print(
        f"{r['count']} reports at {r['rate']:g}/s (sent in {r['submit_secs']:.1f} s); "
        f"{r['received']} alerts received, {r['requests']} webhook requests"
    )
    print(
        f"submit -> webhook latency ms: p50 {r['p50']:.0f}  p90 {r['p90']:.0f}  "
        f"p99 {r['p99']:.0f}  max {r['max']:.0f}  mean {r['mean']:.0f}"
    )


if __name__ == "__main__":
    main()
