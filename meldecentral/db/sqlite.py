"""SQLite, the embedded default: WAL for concurrent readers, a busy timeout for writers,
foreign keys on, and the SQL function the full-text index's triggers call."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from meldecentral.domain import stemming

_configured = False


def register_functions(dbapi_connection) -> None:
    """mc_stems(text): the Danish stems that the FTS5 tables hold (migration a9d3e5f7b2c4's
    triggers call it on every insert or change of a report's text or a note)."""
    dbapi_connection.create_function("mc_stems", 1, stemming.stems, deterministic=True)


def configure_sqlite(app: Flask) -> None:
    global _configured
    opts = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    opts.setdefault("connect_args", {}).setdefault("timeout", 30)
    if _configured:
        return
    _configured = True

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection, _record):
        if type(dbapi_connection).__module__ != "sqlite3":
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        register_functions(dbapi_connection)
