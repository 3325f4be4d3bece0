"""CPU per operation, in process, with a profile: where a submission's and a routing's time
goes. Runs against a fresh PostgreSQL database (dropped at the end) and Redis db 9 (flushed:
not while bench.run uses it; MC_BENCH_REDIS_URL picks another).

    .venv/bin/python -m bench.profile [--n 1000] [--top 30] [--what intake|route|both] [--plain]
                                  [--batch 20]

PROFILE_OUT=/tmp/p keeps each profile for pstats (/tmp/p.intake, /tmp/p.route); SHOW_SQL=N
prints the statements of the first N operations routed (SHOW_SQL_WIDTH characters of each;
140).

Intake: N POSTs to /api/v1/reports through the Flask test client, in the production
configuration (the web only commits; the relay runs in beat, not here, so nothing is published),
after the same N to the ceiling (bench/ceiling_app.py). Routing: the
events those reports created, handled in process as the worker's ``handle_event`` does (with
--batch N: ``handle_events``, N events a task, as the relay sends them under load), with
every unit's channel a webhook to a local receiver (in this process, so its CPU counts).
Prints CPU ms per operation (time.process_time: this process, its threads included; other
processes' load does not count), SQL statements per operation, and with a profiler (not
--plain) the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time

import sqlalchemy as sa

from bench.stack import Stack


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--what", default="both")
    p.add_argument("--plain", action="store_true", help="CPU per operation only, no profiler")
    p.add_argument("--batch", type=int, default=1, help="events per task (1: handle_event)")
    args = p.parse_args()
    stack = Stack()
    stack.prepare()
    os.environ.update(stack.env)
    try:
        global PLAIN
        PLAIN = args.plain
        _run(stack, args)
    finally:
        stack.stop()


PLAIN = False


STATEMENTS = [0]


SHOW = [0]


def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    STATEMENTS[0] += 1
    if SHOW[0]:
        SHOW[0] -= 1
        # How SQLAlchemy came by the compiled form: a cache hit, or compiled anew.
        name = getattr(getattr(context, "cache_hit", None), "name", "-")
        width = int(os.environ.get("SHOW_SQL_WIDTH", "140"))
        print(f"   SQL [{name}]:", " ".join(statement.split())[:width])


def _profile(label: str, n: int, fn, top: int) -> None:
    prof = cProfile.Profile(time.process_time)
    STATEMENTS[0] = 0
    t0, w0 = time.process_time(), time.perf_counter()
    if not PLAIN:
        prof.enable()
    fn()
    prof.disable()
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    print(
        f"\n== {label}: {n} operations, {cpu * 1000 / n:.2f} ms CPU each "
        f"({wall * 1000 / n:.2f} ms wall; this process, its threads included); "
        f"{STATEMENTS[0] / n:.1f} SQL statements each"
    )
    if PLAIN or not top:
        return
    if os.environ.get("PROFILE_OUT"):  # for pstats: callers, callees
        prof.dump_stats(f"{os.environ['PROFILE_OUT']}.{label.split()[0]}")
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def _run(stack: Stack, args) -> None:
    from bench.receiver import Receiver
    from bench.run import configure_units
    from wsgi import app

    receiver = Receiver(in_process=True)
    configure_units(stack, receiver)
    with app.app_context():
        from meldecentral.extensions import db

        sa.event.listen(db.engine, "before_cursor_execute", _count)
    client = app.test_client()
    cats = ["VOLD", "UNG", "NABO", "TYVERI", "UTRYG", "GRUPPE", "HAERVAERK"]
    bodies = [
        json.dumps(
            {
                "category": cats[i % len(cats)],
                "text": f"profile report number {i}, something happened by the playground",
                "district": 3,
            }
        )
        for i in range(args.n + 50)
    ]

    def poster(test_client):
        """Warm up with 50 reports; returns the timed run that posts the rest."""
        headers = {"Content-Type": "application/json"}

        def post(batch):
            for b in batch:
                r = test_client.post("/api/v1/reports", data=b, headers=headers)
                assert r.status_code == 201, r.data

        post(bodies[:50])
        return lambda: post(bodies[50:])

    intake = poster(client)

    if args.what in ("intake", "both"):
        from bench.ceiling_app import app as ceiling

        ceiling_intake = poster(ceiling.test_client())
        _profile("ceiling POST /api/v1/reports (bench/ceiling_app.py)", args.n, ceiling_intake, 0)
        with app.app_context():
            from meldecentral.extensions import db

            db.session.execute(sa.text("DELETE FROM report WHERE reference LIKE 'CEIL-%'"))
            db.session.commit()
        _profile("intake POST /api/v1/reports", args.n, intake, args.top)
    else:
        intake()
    time.sleep(1)
    if args.what not in ("route", "both"):
        return
    with app.app_context():
        from meldecentral.extensions import db
        from workers.tasks import handle_event, handle_events

        ids = list(
            db.session.scalars(
                sa.text("SELECT id FROM outbox_event WHERE handled_at IS NULL ORDER BY id")
            )
        )
        db.session.remove()

        if os.environ.get("SHOW_SQL"):
            SHOW[0] = int(os.environ["SHOW_SQL"])
            handle_event.run(ids.pop(0))

        def route():
            if args.batch == 1:
                for i in ids:
                    handle_event.run(i)
                return
            for k in range(0, len(ids), args.batch):  # as the relay batches them under load
                handle_events.run([[i, None] for i in ids[k : k + args.batch]])

        how = "handle_event" if args.batch == 1 else f"handle_events, {args.batch} a task"
        _profile(f"route + alert + webhook ({how})", len(ids), route, args.top)
    receiver.close()


if __name__ == "__main__":
    main()
