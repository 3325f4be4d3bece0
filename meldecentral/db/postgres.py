"""PostgreSQL: settings made once per connection rather than once per transaction."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def configure_postgres() -> None:
    """Parallel plans off: the app's statements are short (work lists, counts, inserts), and a
    parallel plan costs more to start than they take (bench/README.md). Set when a connection
    opens; through PgBouncer in transaction mode a session setting may not stick, which costs
    speed only."""
    global _configured
    if _configured:
        return
    _configured = True

    @event.listens_for(Engine, "connect")
    def _session_settings(dbapi_connection, _record):
        if not type(dbapi_connection).__module__.startswith("psycopg"):
            return
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()
