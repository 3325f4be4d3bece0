"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries behind the work lists, statistics and the
dashboard.

Each URL is requested in process (the Flask test client, as a coordinator or a POLICE unit
member); every statement it sends that reads report, assignment or report_daily_count is
explained with its real parameters.

    DATABASE_URL=... MELDECENTRAL_ENV=production ... python -m bench.explain > plans.txt
"""

from __future__ import annotations

import os
import re
import secrets
import sys

import sqlalchemy as sa

from bench import paths

URLS = [
    *(("coordinator", path) for path in paths.TRIAGE),
    ("unit_member", paths.INBOX),
    *(("coordinator", path) for path in paths.LIST),
    ("unit_member", "/api/v1/reports"),
    *(("coordinator", path) for path in paths.SEARCH),
    *(("coordinator", path) for path in paths.STATS),
    *(("coordinator", path) for path in paths.DASHBOARD),
]
HOT = re.compile(r"\bFROM (report|assignment|report_daily_count|note)\b")


def tokens(app) -> dict[str, str]:
    from meldecentral.services.staff import users

    with app.app_context():
        municipality = users.municipality_by_code(app.config["DEFAULT_MUNICIPALITY"])
        out = {}
        for role, unit in (("coordinator", None), ("unit_member", "POLICE")):
            user = users.create_user(
                municipality=municipality,
                email=f"explain-{role}-{secrets.token_hex(3)}@bench.invalid",
                name=f"explain {role}",
                role=role,
                unit_code=unit,
            )
            out[role] = users.create_token(user, "explain")
        return out


def main(out=sys.stdout) -> None:
    from meldecentral import create_app

    # The dashboard's every query, its times too (not read from the workers' table).
    os.environ.setdefault("DASHBOARD_CACHE_SECONDS", "0")
    os.environ.setdefault("DASHBOARD_TIMES_MAX_AGE_SECONDS", "0")
    from meldecentral.extensions import db

    app = create_app()
    tok = tokens(app)
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().upper()
        reads = head.startswith(("SELECT", "WITH"))  # the dashboard's windows are CTEs
        if head.startswith("SET LOCAL") or (reads and HOT.search(statement)):
            captured.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    for role, url in URLS:
        captured.clear()
        res = client.get(url, headers={"Authorization": f"Bearer {tok[role]}"})
        print(f"\n### {url} ({role}) -> {res.status_code}\n", file=out)
        raw = engine.raw_connection()  # one per request, with the settings the request made
        try:
            cur = raw.cursor()
            for statement, params in list(captured):
                if statement.lstrip().upper().startswith("SET LOCAL"):
                    cur.execute(statement)  # in this transaction, rolled back at the end
                    continue
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
                print("```", file=out)
                print(re.sub(r"\s+", " ", statement).strip(), file=out)
                print(plan, file=out)
                print("```", file=out)
        finally:
            raw.rollback()
            raw.close()
    sa.event.remove(engine, "before_cursor_execute", capture)


if __name__ == "__main__":
    main()
