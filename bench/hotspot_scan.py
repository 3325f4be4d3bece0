"""The hotspot scan at scale (issue 17): give the seeded reports (bench/seed.py makes them
without a point) H3 cells spread over the municipality, then time one detection run, the
daily job's work: the one aggregate query over the last 60 weeks, the scan with 999 Monte
Carlo replicas, the alarms stored. Target: at most 10 s at 1,000,000 reports.

    DATABASE_URL=postgresql://... python -m bench.hotspot_scan
"""

from __future__ import annotations

import json
import os
import time

import h3
import sqlalchemy as sa
from shapely.geometry import mapping, shape

from config import normalise_db_url
from meldecentral.domain.hotspots import RESOLUTION

# A few cells busier than the rest, so that the cells' counts are not all alike.
FILL_SQL = """
UPDATE report SET h3_cell = (CAST(:cells AS text[]))[
  1 + floor(power(random(), 1.5) * cardinality(CAST(:cells AS text[])))::int]
WHERE municipality_id = :m AND h3_cell IS NULL AND created_at >= now() - interval '61 weeks'
"""


def municipality_cells(conn, m: int) -> list[str]:
    cells: set[str] = set()
    for (geometry,) in conn.execute(
        sa.text("SELECT geometry FROM district WHERE municipality_id = :m"), {"m": m}
    ):
        geo = mapping(shape(json.loads(geometry)))
        cells.update(h3.geo_to_cells(geo, RESOLUTION))
    return sorted(cells)


def fill_cells(url: str, municipality_code: str = "kbh") -> dict:
    engine = sa.create_engine(normalise_db_url(url))
    t0 = time.monotonic()
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
        m = conn.scalar(
            sa.text("SELECT id FROM municipality WHERE code = :c"), {"c": municipality_code}
        )
        cells = municipality_cells(conn, m)
        updated = conn.execute(sa.text(FILL_SQL), {"m": m, "cells": cells}).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE report"))
    engine.dispose()
    return {"cells": len(cells), "reports_with_cell": updated, "fill_s": time.monotonic() - t0}


def main() -> None:
    import subprocess
    import sys

    out = fill_cells(os.environ["DATABASE_URL"])
    ran = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "hotspots", "detect"],
        check=True,
        capture_output=True,
        text=True,
    )
    print(json.dumps({**out, **json.loads(ran.stdout.strip().splitlines()[-1])}))


if __name__ == "__main__":
    main()
