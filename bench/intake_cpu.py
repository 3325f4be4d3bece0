"""Where the intake's CPU goes, per process kind: the ceiling and then the application, each
driven to saturation by wrk (16 connections) for short runs side by side, with the CPU time
every process of the stack, PostgreSQL and Redis used per created report (psutil). The load
generator's own CPU is not counted. Uses a fresh database and Redis db 9 (MC_BENCH_REDIS_URL
picks another); not while bench.run runs.

    .venv/bin/python -m bench.intake_cpu [--runs 3] [--seconds 10] [--app-only-web]

``--app-only-web`` runs the application without the urgent worker and beat (so without the
outbox relay, which runs in beat): what the web processes alone cost.
"""

from __future__ import annotations

import argparse
import time

import psutil

from bench.receiver import Receiver
from bench.run import configure_units, wrk
from bench.stack import Stack


def cpu_by_process(stack: Stack) -> dict[tuple[str, int], float]:
    out = {}
    for name, pids in stack.pids().items():
        for pid in pids:
            try:
                t = psutil.Process(pid).cpu_times()
                out[(name, pid)] = t.user + t.system
            except psutil.Error:
                continue
    for proc in psutil.process_iter(["name"]):
        name = proc.info["name"] or ""
        if name.startswith(("postgres", "redis-server")):
            try:
                t = proc.cpu_times()
                out[(name.split(":")[0].split()[0], proc.pid)] = t.user + t.system
            except psutil.Error:
                continue
    return out


def measure(stack: Stack, label: str, seconds: float) -> dict:
    before = cpu_by_process(stack)
    result = wrk(stack.base, seconds=seconds, connections=16)
    after = cpu_by_process(stack)
    created = max(result["created"], 1)
    per_kind: dict[str, float] = {}
    for key, value in after.items():
        # A process that started during the run (a recycled worker) counts from zero.
        per_kind[key[0]] = per_kind.get(key[0], 0.0) + value - before.get(key, 0.0)
    shares = ", ".join(
        f"{kind} {ms * 1000 / created:.2f}" for kind, ms in sorted(per_kind.items()) if ms > 0.005
    )
    print(f"{label}: {result['rps']:.0f}/s, p99 {result['p99_ms']} ms; CPU ms per report: {shares}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--app-only-web", action="store_true")
    args = parser.parse_args()
    stack, receiver = Stack(), Receiver()
    try:
        stack.prepare()
        configure_units(stack, receiver)
        stack.start_web(app="bench.ceiling_app:app", name="ceiling", ready="/healthz")
        wrk(stack.base, seconds=2, connections=4)
        for _ in range(args.runs):
            measure(stack, "ceiling", args.seconds)
        stack.stop_process("ceiling")
        stack.start_web()
        if not args.app_only_web:
            stack.start_workers(queues=("urgent",))
            stack.start_beat()
        time.sleep(3)
        wrk(stack.base, seconds=2, connections=4)
        for _ in range(args.runs):
            measure(stack, "app", args.seconds)
    finally:
        stack.stop()
        receiver.close()


if __name__ == "__main__":
    main()
