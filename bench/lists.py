"""The work lists' latency, quickly: the triage queue, two inboxes and the staff list with the
same paths as bench/run.py's "scale" phase (and the dashboard, its cache off), against an
existing (seeded) database.

In process with Flask's test client by default (no gunicorn, no network: the Python cost of a
request, which is what these endpoints spend their time on), or over HTTP with ``--http``.

    createdb -h 127.0.0.1 -U postgres mc_lists
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/mc_lists
    .venv/bin/flask --app wsgi db upgrade && .venv/bin/flask --app wsgi demo load --reports 0
    .venv/bin/python -m bench.seed --reports 1000000 && .venv/bin/flask --app wsgi stats rebuild

    .venv/bin/python -m bench.lists                  # p50 / p95 per group and per path
    .venv/bin/python -m bench.lists --profile        # cProfile: top functions by cumulative time
    .venv/bin/python -m bench.lists --dump out.json  # every path's response, to compare versions
    .venv/bin/python -m bench.lists --http http://127.0.0.1:5000   # a running gunicorn

The staff users (bench-<role>-<unit>@bench.invalid, as bench/run.py names them) are created
when missing, and a fresh token for each is minted on every run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time

from bench import paths
from bench.paths import pct

os.environ.setdefault("MELDECENTRAL_ENV", "production")
os.environ.setdefault("SECRET_KEY", "bench-lists-" + "0" * 40)
os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
os.environ.setdefault("DASHBOARD_CACHE_SECONDS", "0")  # as bench/run.py times it

TRIAGE, LIST = paths.TRIAGE, paths.LIST
# (name, who, paths, share of --n): as bench/run.py's scale phase.
GROUPS = [
    ("triage", ("coordinator", None), TRIAGE, 1.0),
    ("inbox POLICE", ("unit_member", "POLICE"), [paths.INBOX], 0.5),
    ("inbox SSP 100", ("unit_member", "SSP"), [paths.INBOX_100], 0.5),
    ("list coordinator", ("coordinator", None), LIST, 1.0),
    ("list POLICE", ("unit_member", "POLICE"), ["/api/v1/reports"], 0.5),
    ("open311 requests", ("coordinator", None), paths.OPEN311, 1.0),
    ("public facts (no sign-in)", None, paths.FACTS, 1.0),
    ("dashboard", ("coordinator", None), paths.DASHBOARD, 0.5),
]
# Not in bench/run.py (--extra): a unit member with the coordinator's filters.
EXTRA = [("list POLICE, filters", ("unit_member", "POLICE"), LIST, 1.0)]


def tokens(app) -> dict:
    import sqlalchemy as sa

    from meldecentral.extensions import db
    from meldecentral.models import User
    from meldecentral.services.staff import users

    out = {}
    with app.app_context():
        municipality = users.municipality_by_code(app.config["DEFAULT_MUNICIPALITY"])
        for _name, who, _paths, _share in GROUPS + EXTRA:
            if who in out or who is None:  # None: signed out
                continue
            role, unit = who
            email = f"bench-{role}-{unit or 'x'}@bench.invalid".lower()
            user = db.session.scalar(sa.select(User).filter_by(email=email))
            if user is None:
                user = users.create_user(
                    municipality=municipality,
                    email=email,
                    name=f"Bench {role}",
                    role=role,
                    password=None,
                    unit_code=unit,
                )
            out[who] = users.create_token(user, "bench-lists")
        db.session.remove()
    out[None] = None
    return out


class Getter:
    """GET with a bearer token, through the test client or over HTTP (keep-alive)."""

    def __init__(self, app, http: str | None):
        self.http = http
        if http:
            import requests

            self.session = requests.Session()
        else:
            self.client = app.test_client()

    def get(self, path: str, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if path.startswith("/open311/"):
            headers = {}  # public: asked anonymously, as a civic app would
        if self.http:
            res = self.session.get(self.http + path, headers=headers, timeout=30)
            assert res.status_code == 200, (path, res.status_code, res.text[:300])
            return (
                res.json()
                if res.headers["Content-Type"].startswith("application/json")
                else res.text
            )
        res = self.client.get(path, headers=headers)
        assert res.status_code == 200, (path, res.status_code, res.get_data(as_text=True)[:300])
        return res.get_json() if res.is_json else res.get_data(as_text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="requests for a full group")
    parser.add_argument("--http", help="base URL of a running server instead of the test client")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed requests")
    parser.add_argument("--top", type=int, default=40, help="profile lines to print")
    parser.add_argument("--dump", help="write every path's JSON response to this file")
    parser.add_argument("--only", help="only the groups whose name contains this")
    parser.add_argument("--extra", action="store_true", help="also a unit member's filtered list")
    args = parser.parse_args()

    from meldecentral import create_app

    app = create_app()
    toks = tokens(app)
    getter = Getter(app, args.http)
    groups = [
        g for g in GROUPS + (EXTRA if args.extra else []) if not args.only or args.only in g[0]
    ]

    if args.dump:
        dumped = {}
        for name, who, paths, _share in groups:
            for path in paths:
                dumped[f"{name} {path}"] = getter.get(path, toks[who])
        with open(args.dump, "w") as fh:
            json.dump(dumped, fh, indent=1, sort_keys=True)
        print(f"wrote {len(dumped)} responses to {args.dump}")
        return

    for _name, who, paths, _share in groups:  # warm the caches once, as bench/run.py does
        for path in paths:
            getter.get(path, toks[who])

    profiler = cProfile.Profile() if args.profile else None
    rows = []
    for name, who, paths, share in groups:
        n = max(1, int(args.n * share))
        times: list[float] = []
        per_path: dict[str, list[float]] = {p: [] for p in paths}
        for i in range(n):
            path = paths[i % len(paths)]
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            getter.get(path, toks[who])
            ms = (time.perf_counter() - t0) * 1000
            if profiler:
                profiler.disable()
            times.append(ms)
            per_path[path].append(ms)
        rows.append((name, times, per_path))

    mode = f"HTTP {args.http}" if args.http else "in process (test client)"
    print(f"{mode}; ms per request")
    print(f"{'group / path':62} {'n':>4} {'p50':>6} {'p95':>6} {'mean':>6}")
    for name, times, per_path in rows:
        print(
            f"{name:62} {len(times):4} {pct(times, 50):6.1f} {pct(times, 95):6.1f}"
            f" {statistics.fmean(times):6.1f}"
        )
        if len(per_path) > 1:
            for path, t in per_path.items():
                print(f"  {path:60} {len(t):4} {pct(t, 50):6.1f} {pct(t, 95):6.1f}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
