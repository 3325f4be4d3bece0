"""The embedded broker under concurrent use: kombu's SQLAlchemy transport on a SQLite file.

Several producer processes publish numbered messages while a consumer takes them; the consumer
is killed (SIGKILL) part way and a second one finishes the queue. Prints the throughput and
what was lost or duplicated. Everything stays in a temporary folder.

    .venv/bin/python -m bench.embedded_broker [--producers 4] [--messages 500]

A message the killed consumer had taken but not acknowledged is gone from this transport (it
has no visibility timeout); in the app the outbox sweeper republishes its event
(OUTBOX_REPUBLISH_AFTER_SECONDS), so the count of such messages is reported separately.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path
from queue import Empty

QUEUE = "bench"


def _connection(url: str):
    from kombu import Connection

    return Connection(url, transport_options={"connect_args": {"timeout": 30}})


def _wal(path: Path) -> None:
    # What meldecentral/db/sqlite.py does for every SQLite connection of the app.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


def _produce(url: str, producer: int, count: int) -> None:
    with _connection(url) as conn:
        q = conn.SimpleQueue(QUEUE)
        for i in range(count):
            q.put({"id": f"{producer}-{i}"})
        q.close()


def _consume(url: str, seen_file: str, stop_after: int | None) -> None:
    """Append each message's id to ``seen_file`` after acknowledging it (at-least-once)."""
    taken = 0
    with _connection(url) as conn, open(seen_file, "a", buffering=1) as out:
        q = conn.SimpleQueue(QUEUE)
        while True:
            try:
                msg = q.get(timeout=3)
            except Empty:
                return
            msg.ack()
            out.write(msg.payload["id"] + "\n")
            taken += 1
            if stop_after is not None and taken >= stop_after:
                time.sleep(60)  # waits here to be killed


def run(producers: int, messages: int, folder: Path) -> dict:
    path = folder / "broker.sqlite"
    url = f"sqla+sqlite:///{path}"
    with _connection(url) as conn:  # creates the tables before anyone races on them
        conn.SimpleQueue(QUEUE).close()
    _wal(path)
    seen = folder / "seen.txt"
    total = producers * messages
    ctx = mp.get_context("spawn")
    start = time.monotonic()
    procs = [ctx.Process(target=_produce, args=(url, p, messages)) for p in range(producers)]
    first = ctx.Process(target=_consume, args=(url, str(seen), total // 3))
    for p in [*procs, first]:
        p.start()
    for p in procs:
        p.join()
    produced_in = time.monotonic() - start
    while first.is_alive() and _count(seen) < total // 3:
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.join()
    second = ctx.Process(target=_consume, args=(url, str(seen), None))
    second.start()
    second.join()
    elapsed = time.monotonic() - start - 3  # the last consumer's idle wait
    ids = Counter(seen.read_text().split())
    expected = {f"{p}-{i}" for p in range(producers) for i in range(messages)}
    return {
        "messages": total,
        "publish_per_s": round(total / produced_in),
        "end_to_end_per_s": round(total / elapsed),
        "received": len(ids),
        "lost": len(expected - set(ids)),
        "duplicated": sum(1 for n in ids.values() if n > 1),
    }


def _count(path: Path) -> int:
    return len(path.read_text().split()) if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(run(args.producers, args.messages, Path(tmp)))


if __name__ == "__main__":
    main()
