"""The state every database-facing test starts from: empty tables but for the demo's reference
data (municipality, units, categories, routing rules, districts), ids from 1, caches cleared.

Loading the reference data (YAML, and the district map through shapely and the ORM) is done once
per database and test run; its rows, and on PostgreSQL every sequence's state, are kept as a
baseline. Before each test the tables are emptied and the baseline is written back with Core
``executemany``, ids included, and the sequences are set as they were: the same state as a load
into empty tables, for a fraction of the time. (Not a rolled-back transaction: the services
commit themselves, and worker tests run other processes against the same database.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from meldecentral.extensions import db


@dataclass
class Baseline:
    # table -> its rows, for the tables that have any, in dependency order (parents first)
    rows: dict[sa.Table, list[dict]] = field(default_factory=dict)
    # PostgreSQL: (sequence, last_value, is_called), for every sequence of a table's column
    sequences: list[tuple[str, int, bool]] = field(default_factory=list)


# One per database (engine URL): the SQLite file and the PostgreSQL database of a run.
_baselines: dict[str, Baseline] = {}


def reset(app) -> None:
    """Empty every table, then bring back the demo's reference data, as loaded into empty
    tables; clear the per-process caches of reference data (as a load does)."""
    from meldecentral.services.reference import geo

    with app.app_context():
        key = db.engine.url.render_as_string(hide_password=False)
        baseline = _baselines.get(key)
        if baseline is None:
            _load()
            _baselines[key] = _take_baseline()
        else:
            _restore(baseline)
        geo.clear_cache()


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


def _empty(conn: sa.Connection, tables: list[sa.Table]) -> None:
    for table in reversed(tables):  # children first: foreign keys are enforced on both
        conn.execute(table.delete())


def _load() -> None:
    """The slow way, once per database: empty every table, reset the sequences, load the
    reference data through the services (as the demo loader does)."""
    from meldecentral.services import setup
    from meldecentral.services.reference import geo

    tables = _tables()
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        _empty(db.session.connection(), tables)
    db.session.commit()
    geo.clear_cache()
    setup.load_reference_data()
    db.session.remove()


def _take_baseline() -> Baseline:
    baseline = Baseline()
    with db.engine.connect() as conn:
        for table in _tables():
            order = list(table.primary_key.columns)
            rows = [dict(r) for r in conn.execute(sa.select(table).order_by(*order)).mappings()]
            if rows:
                baseline.rows[table] = rows
        if conn.dialect.name == "postgresql":
            names = conn.execute(
                sa.text(
                    "SELECT pg_get_serial_sequence(quote_ident(c.table_name), c.column_name)"
                    " FROM information_schema.columns c WHERE c.table_schema = current_schema()"
                    " AND c.table_name = ANY(:tables)"
                    " AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name)"
                    " IS NOT NULL ORDER BY 1"
                ),
                {"tables": [t.name for t in _tables()]},
            ).scalars()
            for name in names:
                value, called = conn.execute(
                    sa.text(f"SELECT last_value, is_called FROM {name}")
                ).one()
                baseline.sequences.append((name, value, called))
    return baseline


_SQLITE_SEQUENCE = sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")


def _restore(baseline: Baseline) -> None:
    with db.engine.begin() as conn:
        _empty(conn, _tables())
        if conn.dialect.name == "sqlite" and conn.execute(_SQLITE_SEQUENCE).first():
            # (no table has AUTOINCREMENT today; if one does, the inserts below set its
            # counter as a load into empty tables would)
            conn.execute(sa.text("DELETE FROM sqlite_sequence"))
        for table, rows in baseline.rows.items():
            conn.execute(table.insert(), rows)
        if baseline.sequences:
            setvals = ", ".join(
                f"setval('{name}', {value}, {'true' if called else 'false'})"
                for name, value, called in baseline.sequences
            )
            conn.execute(sa.text(f"SELECT {setvals}"))
