"""SQLite, the embedded default: WAL for concurrent readers, a busy timeout for writers,
foreign keys on."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


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
