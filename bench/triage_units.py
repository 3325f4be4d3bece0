"""The triage queue's first page with its units in the page's statement (PostgreSQL, as
``queues.triage_rows`` does it) against the units in a query of their own, interleaved in one
process over five filter sets, against a seeded database (see bench/lists.py for the set-up).
Both must give the same items; prints p50 / p95 / mean in ms of each way.

    .venv/bin/python -m bench.triage_units [--n 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MELDECENTRAL_ENV", "production")
os.environ.setdefault("SECRET_KEY", "bench-lists-" + "0" * 40)
os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:5000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=400)
    args = parser.parse_args()

    from bench import lists
    from meldecentral.extensions import db
    from meldecentral.models import Report
    from meldecentral.services.actor import Actor
    from meldecentral.services.staff import users
    from meldecentral.services.worklists import queues
    from wsgi import app

    token = lists.tokens(app)[("coordinator", None)]
    with app.app_context():
        actor = Actor.for_user(users.user_for_token(token))
        filters = [
            queues.QueueFilter(),
            queues.QueueFilter(district=3, category="VOLD"),
            queues.QueueFilter(overdue=True),
            queues.QueueFilter(unrouted=True),
            queues.QueueFilter(status="routed", district=7),
        ]

        def apart(f):
            query, order, count_order = queues._triage_query(actor, f)
            rows, _total, _capped = queues.summary_page(
                query, 1, 50, order, count_order, Report.next_deadline
            )
            units = queues.assigned_units([r[0] for r in rows])
            return [(r[0], units[r[0]]) for r in rows]

        def together(f):
            return [(r[0], units) for r, units in queues.triage_rows(actor, f).items]

        for f in filters:
            assert apart(f) == together(f), f
        times: dict[str, list[float]] = {"apart": [], "together": []}
        ways = (("apart", apart), ("together", together))
        for i in range(args.n):
            f = filters[i % len(filters)]
            for name, fn in ways if i % 2 else ways[::-1]:
                db.session.remove()
                t0 = time.perf_counter()
                fn(f)
                times[name].append((time.perf_counter() - t0) * 1000)
        for name, values in times.items():
            values.sort()
            print(
                f"units {name:8s} p50 {statistics.median(values):.2f}  "
                f"p95 {values[int(len(values) * 0.95)]:.2f}  mean {statistics.mean(values):.2f}"
            )


if __name__ == "__main__":
    main()
