"""Where the CPU goes at a fixed rate of submissions with their alerts (the benchmark's
"submit -> webhook at 200/s"): the whole stack runs (web, both workers, beat with the relay),
wrk sends reports at ``--rate`` for ``--seconds``, and the CPU time of every process of the
stack, PostgreSQL, Redis, the webhook receiver and wrk itself is divided by the reports
alerted; also the share of the machine's cores that adds up to, the alerts' latency, and the
events per routing task (from the worker's log lines: events handled / tasks). Uses a fresh
database and Redis db 9 (MC_BENCH_REDIS_URL picks another); not while bench.run runs.

    .venv/bin/python -m bench.rate_cpu [--rate 200] [--seconds 30] [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import time

import psutil
import sqlalchemy as sa

from bench.intake_cpu import cpu_by_process
from bench.paths import pct
from bench.receiver import Receiver
from bench.run import (
    ROUTING_MIX,
    configure_units,
    latencies,
    max_report_id,
    sent_times,
    wait_arrivals,
    wrk,
)
from bench.stack import Stack


def _own(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def measure(stack: Stack, receiver: Receiver, engine, rate: float, seconds: float) -> None:
    start_id = max_report_id(engine)
    before = cpu_by_process(stack)
    receiver_proc = psutil.Process(receiver._proc.pid)  # bench.receiver's own process
    receiver_before = _own(receiver_proc)
    children_before = os.times().children_user + os.times().children_system  # wrk
    t0 = time.monotonic()
    load = wrk(stack.base, seconds=seconds, connections=32, rate=rate, mix=ROUTING_MIX)
    sent = sent_times(engine, start_id)
    wait_arrivals(receiver, sent, 120)
    wall = time.monotonic() - t0
    after = cpu_by_process(stack)
    per_kind: dict[str, float] = {}
    for key, value in after.items():
        per_kind[key[0]] = per_kind.get(key[0], 0.0) + value - before.get(key, 0.0)
    per_kind["receiver"] = _own(receiver_proc) - receiver_before
    per_kind["wrk"] = os.times().children_user + os.times().children_system - children_before
    lat = latencies(receiver, sent)
    n = max(len(lat), 1)
    total = sum(per_kind.values())
    shares = ", ".join(
        f"{kind} {s * 1000 / n:.2f}" for kind, s in sorted(per_kind.items()) if s > 0.005
    )
    print(
        f"{rate:.0f}/s asked, {load['rps']:.0f}/s achieved; {len(lat)}/{len(sent)} alerted, "
        f"p50 {pct(lat, 50):.0f} ms, p99 {pct(lat, 99):.0f} ms; CPU ms per report: {shares}; "
        f"all {total * 1000 / n:.2f} ({total / wall:.2f} cores over {wall:.0f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    stack, receiver = Stack(), Receiver()
    try:
        stack.prepare()
        configure_units(stack, receiver)
        stack.start_web()
        stack.start_workers()
        stack.start_beat()
        time.sleep(3)
        engine = sa.create_engine(stack.db_url)
        wrk(stack.base, seconds=3, connections=4, rate=50, mix=ROUTING_MIX)  # warm up
        time.sleep(2)
        for _ in range(args.runs):
            measure(stack, receiver, engine, args.rate, args.seconds)
    finally:
        stack.stop()
        receiver.close()


if __name__ == "__main__":
    main()
