"""A Core statement run on the driver's connection itself, for the busiest single statement
(a resident's submission): compiled once, then executed on a pooled DBAPI connection in
autocommit, without a SQLAlchemy ``Connection`` and its execution context, which cost about
half of that statement's CPU in the web process (bench/README.md, "Intake without the
execution context").

What SQLAlchemy would do around the statement is kept: the pool (checkout, pre-ping, reset on
return), the bind processors of the columns' types, and its exceptions (a driver error is
raised as the ``sqlalchemy.exc`` class it would have been, e.g. ``IntegrityError``; a lost
connection is invalidated and says so). Engine events (``before_cursor_execute``) do not see
it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


class DriverStatement:
    """``statement`` compiled for ``dialect``, with its parameters' processing."""

    def __init__(self, statement: sa.Executable, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._compiled = compiled
        # The types' own conversions (JSON, the UTC timestamps), as the execution context
        # applies them.
        self._processors = dict(compiled._bind_processors)  # noqa: SLF001
        self._escaped = dict(compiled.escaped_bind_names or {})

    def params(self, given: dict[str, Any]) -> dict[str, Any]:
        """The driver's parameters: ``given`` with the statement's own literals added."""
        params = self._compiled.construct_params(given)
        for name, process in self._processors.items():
            if name in params:
                params[name] = process(params[name])
        if self._escaped:
            params = {self._escaped.get(k, k): v for k, v in params.items()}
        return params


def fetch_one_autocommit(
    engine: sa.Engine, statement: DriverStatement, given: dict[str, Any]
) -> tuple:
    """Run ``statement`` alone (atomic on its own: no BEGIN, no COMMIT) and return its one row."""
    params = statement.params(given)
    dialect = engine.dialect
    pooled = engine.raw_connection()
    connection = pooled.dbapi_connection
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
    except Exception as exc:
        base = dialect.loaded_dbapi.Error
        lost = isinstance(exc, base) and dialect.is_disconnect(exc, connection, None)
        if lost:
            # As a Connection would: the pool's other connections are suspect too.
            engine.pool._invalidate(pooled, exc)  # noqa: SLF001
        raise sa.exc.DBAPIError.instance(
            statement.sql,
            params,
            exc,
            base,
            hide_parameters=engine.hide_parameters,
            connection_invalidated=lost,
            dialect=dialect,
        ) from exc
    finally:
        if pooled.dbapi_connection is not None:  # not invalidated above
            try:
                connection.autocommit = False  # as the pool lends it
            except Exception:  # noqa: BLE001 - broken meanwhile: the pool's checks take over
                pooled.invalidate()
        pooled.close()
    return tuple(row)
