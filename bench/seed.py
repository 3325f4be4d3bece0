"""A million synthetic reports in seconds, for the scale figures: PostgreSQL only, set-based
(INSERT ... SELECT generate_series), spread over the districts, the categories and three years,
with statuses by age and assignments to each category's units. Each text is 6 to 12 words
of a Danish vocabulary of a few thousand, drawn Zipf-like (bench/vocabulary.py), so that the
search index and its queries meet realistic frequencies.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m bench.seed --reports 1000000

Shape (deterministic, setseed): reports older than 30 days are 94 % resolved, 3 % rejected,
1 % merged and 2 % still open (stale); the last 30 days are 10 % received, 5 % triaged, 30 %
routed, 30 % in progress, 20 % resolved, 5 % rejected. Routed and later reports have one
assignment per unit of their category (the demo rules without conditions), acknowledged,
in progress or closed to match; deadlines as the demo calendar gives them, roughly (4 hours,
2 days, 5 days), and overdue ones older than 30 days already escalated. References start
"SYN-" so they never collide with real ones.
"""

from __future__ import annotations

import argparse
import os
import time

import sqlalchemy as sa

from bench import vocabulary
from config import normalise_db_url

# Each category's units when no condition applies (meldecentral/data/routing_rules.yaml).
UNITS = {
    "VOLD": ("POLICE",),
    "VAABEN": ("POLICE", "SSP"),
    "ILD": ("POLICE",),
    "HAERVAERK": ("POLICE",),
    "TYVERI": ("POLICE",),
    "NARKO": ("POLICE",),
    "GRUPPE": ("SSP", "POLICE"),
    "HAD": ("POLICE",),
    "UNG": ("SSP", "BBU"),
    "UNG_PLUS": ("SSP",),
    "RADIK": ("VINK",),
    "FAMILIE": ("BBU",),
    "MISBRUG": ("COORD",),
    "UTRYG": ("COORD",),
    "DISKRIM": ("COORD",),
    "NABO": ("HOUSING",),
}
ALLOWANCE = "CASE %s WHEN 'high' THEN interval '4 hours' WHEN 'normal' THEN interval '2 days' ELSE interval '5 days' END"  # noqa: E501

REPORTS_SQL = f"""
WITH cat AS (
  SELECT row_number() OVER (ORDER BY id) AS k, id, kind, default_urgency AS urgency
  FROM category WHERE municipality_id = :m
), dis AS (
  SELECT row_number() OVER (ORDER BY number) AS k, id FROM district WHERE municipality_id = :m
), g AS (
  SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
         now() - random() * interval '3 years' AS created
  FROM generate_series(1, :n) AS i
), s AS (
  SELECT g.*, cat.id AS category_id, cat.kind, cat.urgency, dis.id AS district_id,
    CASE WHEN g.created < now() - interval '30 days' THEN
      CASE WHEN r2 < 0.94 THEN 'resolved' WHEN r2 < 0.97 THEN 'rejected'
           WHEN r2 < 0.98 THEN 'merged' WHEN r2 < 0.992 THEN 'in_progress' ELSE 'routed' END
    ELSE
      CASE WHEN r2 < 0.10 THEN 'received' WHEN r2 < 0.15 THEN 'triaged'
           WHEN r2 < 0.45 THEN 'routed' WHEN r2 < 0.75 THEN 'in_progress'
           WHEN r2 < 0.95 THEN 'resolved' ELSE 'rejected' END
    END AS status
  FROM g
  JOIN cat ON cat.k = 1 + floor(g.r1 * (SELECT count(*) FROM cat))::int
  JOIN dis ON dis.k = 1 + floor(g.r3 * (SELECT count(*) FROM dis))::int
)
INSERT INTO report (municipality_id, reference, kind, category_id, text, district_id,
  minor_involved, person_named, housing_estate, urgency, status, source, created_at,
  updated_at, closed_at, next_deadline)
SELECT :m, 'SYN-' || upper(to_hex(i)), kind, category_id, t.text, district_id,
  r1 < 0.01, false, r3 < 0.2, urgency, status,
  CASE WHEN r2 * 10 - floor(r2 * 10) < 0.3 THEN 'staff' ELSE 'resident' END,
  created, created,
  CASE WHEN status IN ('resolved', 'rejected', 'merged') THEN created + interval '3 days' END,
  CASE WHEN status = 'routed' THEN created + {ALLOWANCE % "urgency"} END
FROM s
-- 6 to 12 words of the vocabulary, rank k drawn log-uniformly (Zipf-like, bench/vocabulary.py)
CROSS JOIN LATERAL (
  SELECT string_agg(w.words[least(:v, floor(exp(random() * ln(:v + 1)))::int)], ' ') AS text
  FROM generate_series(1, 6 + floor(s.r4 * 7)::int), (SELECT CAST(:words AS text[]) AS words) w
) t
"""

ASSIGNMENTS_SQL = f"""
INSERT INTO assignment (report_id, unit_id, status, reason, ack_deadline, escalation_level,
  created_at, acknowledged_at, closed_at, outcome)
SELECT r.id, u.id,
  CASE r.status WHEN 'routed' THEN 'routed' WHEN 'resolved' THEN 'closed'
       ELSE CASE WHEN r.id % 2 = 0 THEN 'acknowledged' ELSE 'in_progress' END END,
  'synthetic', r.created_at + {ALLOWANCE % "r.urgency"},
  -- Stale overdue assignments were escalated long ago (else beat would do it during the run).
  CASE WHEN r.status = 'routed' AND r.created_at < now() - interval '30 days' THEN 2 ELSE 0 END,
  r.created_at,
  CASE WHEN r.status <> 'routed' THEN r.created_at + interval '1 hour' END,
  CASE WHEN r.status = 'resolved' THEN r.closed_at END,
  CASE WHEN r.status = 'resolved' THEN 'Handled (synthetic).' END
FROM report r
JOIN category c ON c.id = r.category_id
JOIN (VALUES {{pairs}}) AS m(code, unit) ON m.code = c.code
JOIN unit u ON u.code = m.unit AND u.municipality_id = r.municipality_id
WHERE r.id > :first AND r.status IN ('routed', 'in_progress', 'resolved')
"""


def seed(url: str, n: int, municipality_code: str = "kbh") -> dict:
    engine = sa.create_engine(normalise_db_url(url))
    t0 = time.monotonic()
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
        # A bulk load of rows that are consistent by construction: skip the per-row foreign key
        # and append-only triggers (needs a superuser, as the benchmark's database has).
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text("SELECT setseed(0.42)"))
        m = conn.scalar(
            sa.text("SELECT id FROM municipality WHERE code = :c"), {"c": municipality_code}
        )
        first = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM report"))
        # The search index (migration a9d3e5f7b2c4) built once after the load: maintained row
        # by row it would double the load's time.
        conn.execute(sa.text("DROP INDEX ix_report_search"))
        words = vocabulary.words()
        conn.execute(sa.text(REPORTS_SQL), {"m": m, "n": n, "words": words, "v": len(words)})
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        conn.execute(sa.text("CREATE INDEX ix_report_search ON report USING gin (search)"))
        t_reports = time.monotonic() - t0
        pairs = ", ".join(
            f"('{code}', '{unit}')" for code, units in UNITS.items() for unit in units
        )
        assignments = conn.execute(
            sa.text(ASSIGNMENTS_SQL.replace("{pairs}", pairs)), {"first": first}
        ).rowcount
    t_assign = time.monotonic() - t0 - t_reports
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE report"))
        conn.execute(sa.text("VACUUM ANALYZE assignment"))
    engine.dispose()
    return {
        "reports": n,
        "assignments": assignments,
        "reports_s": t_reports,
        "assignments_s": t_assign,
        "total_s": time.monotonic() - t0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--municipality", default="kbh")
    args = parser.parse_args()
    out = seed(os.environ["DATABASE_URL"], args.reports, args.municipality)
    print(
        f"{out['reports']} reports in {out['reports_s']:.1f} s, {out['assignments']} assignments "
        f"in {out['assignments_s']:.1f} s; {out['total_s']:.1f} s with VACUUM ANALYZE"
    )
    print("now: flask --app wsgi stats rebuild")


if __name__ == "__main__":
    main()
