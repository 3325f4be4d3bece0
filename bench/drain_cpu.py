"""Where routing's CPU goes, per process kind: a backlog of normal reports is submitted while
no normal worker runs, then the normal worker starts and drains it; the CPU time every
process of the stack, PostgreSQL, Redis and the webhook receiver used meanwhile, per report
drained (psutil), and the drain rate. Uses a fresh database and Redis db 9
(MC_BENCH_REDIS_URL picks another); not while bench.run runs.

    .venv/bin/python -m bench.drain_cpu [--reports 6000] [--runs 2]
"""

from __future__ import annotations

import argparse
import time

import psutil

from bench.intake_cpu import cpu_by_process
from bench.receiver import Receiver
from bench.run import configure_units, wrk
from bench.stack import Stack


def drain(stack: Stack, receiver: Receiver, reports: int) -> None:
    stack.stop_process("worker-normal")
    already = len(receiver.arrivals)
    reports = wrk(stack.base, seconds=600, connections=8, count=reports)["created"]
    time.sleep(2)  # the relay publishes the last events
    before = cpu_by_process(stack)
    receiver_proc = psutil.Process(receiver._proc.pid)  # bench.receiver's own process
    receiver_cpu = receiver_proc.cpu_times()
    t0 = time.monotonic()
    stack.start_workers(queues=("normal",))
    deadline = t0 + 900
    while len(receiver.arrivals) < already + reports and time.monotonic() < deadline:
        time.sleep(0.2)
    seconds = time.monotonic() - t0
    after = cpu_by_process(stack)
    receiver_after = receiver_proc.cpu_times()
    done = max(len(receiver.arrivals) - already, 1)
    per_kind: dict[str, float] = {}
    for key, value in after.items():
        per_kind[key[0]] = per_kind.get(key[0], 0.0) + value - before.get(key, 0.0)
    per_kind["receiver"] = (receiver_after.user + receiver_after.system) - (
        receiver_cpu.user + receiver_cpu.system
    )
    total = sum(per_kind.values())
    shares = ", ".join(
        f"{kind} {s * 1000 / done:.2f}" for kind, s in sorted(per_kind.items()) if s > 0.005
    )
    print(
        f"drained {done} of {reports} in {seconds:.1f} s ({done / seconds:.0f}/s); CPU ms per "
        f"report: {shares}; all {total * 1000 / done:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    stack, receiver = Stack(), Receiver()
    try:
        stack.prepare()
        configure_units(stack, receiver)
        stack.start_web()
        stack.start_workers(queues=("urgent",))
        stack.start_beat()
        time.sleep(3)
        for _ in range(args.runs):
            drain(stack, receiver, args.reports)
    finally:
        stack.stop()
        receiver.close()


if __name__ == "__main__":
    main()
