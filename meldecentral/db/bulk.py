"""Many rows with RETURNING in one short statement on PostgreSQL: ``INSERT ... SELECT * FROM
unnest(an array per column)``.

SQLAlchemy's executemany with RETURNING ("insertmanyvalues") renders a VALUES list with a
parameter per column per row, so the statement's text changes with the number of rows, and
psycopg parses a statement of more than 50 parameters anew on every run (a regular expression
over the whole text) while PostgreSQL plans it anew (its share of a routed batch's CPU:
bench/README.md). With an array per column the statement is the same for any number of rows:
psycopg parses it once and, after five runs, prepares it, so PostgreSQL plans it once per
connection.

Columns not given take their Python-side defaults (``include_defaults``), once per statement.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY


@functools.cache
def rows_from_arrays(table: sa.Table, columns: tuple[str, ...]) -> sa.Select:
    """``SELECT * FROM unnest(:unnest_a, :unnest_b, ...) AS anon(a, b, ...)``, one array
    parameter per column, typed with the column's type (so a TypeDecorator's bind processing
    runs on each element)."""
    arrays = [sa.bindparam(f"unnest_{c}", type_=ARRAY(table.c[c].type)) for c in columns]
    return sa.select(sa.func.unnest(*arrays).table_valued(*columns).render_derived())


def params(columns: tuple[str, ...], rows: list[dict]) -> dict[str, list]:
    """The arrays for ``rows_from_arrays``: every row has every column."""
    return {f"unnest_{c}": [row[c] for row in rows] for c in columns}
