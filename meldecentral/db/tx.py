"""A worker's unit of work: one transaction for an event's whole handling.

A use case called from a view commits its own change. A worker handling an event instead opens
``worker_transaction()``: the event's handler, the events it records and their handlers (an
assignment -> its alert) run inside it and never commit; it commits them together at the end,
or rolls them all back. The services it calls are the ones written for it (routing, planning
alerts), which do not commit; ``route.route_reports`` refuses to run outside it. Events
recorded inside are marked handled as they are written and handed to the caller, which runs
their handlers before that commit; they are never published to the broker.

Rows that nothing reads back in the transaction (history entries, the recorded events, the
routing decisions) are not ORM objects there: ``defer_insert`` keeps them, and the unit of work
inserts them with Core, one statement per table, before it commits (the ORM's unit of work per
row cost most of a routed report's CPU: bench/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa

from meldecentral.extensions import db


class _Work:
    def __init__(self) -> None:
        self.collected: list = []
        self.rows: dict[sa.Table, list[dict]] = {}


_work: ContextVar[_Work | None] = ContextVar("mc_tx_work", default=None)


@contextmanager
def one_transaction() -> Iterator[list]:
    """Yields the list that collects the events recorded meanwhile."""
    work = _Work()
    token = _work.set(work)
    try:
        yield work.collected
    finally:
        _work.reset(token)


def collecting() -> list | None:
    work = _work.get()
    return work.collected if work is not None else None


def defer_insert(table: sa.Table, row: dict) -> bool:
    """Inside one_transaction: keep ``row`` (every key of the table's rows the same) to be
    inserted before the unit of work commits, and return True; outside: False (the caller adds
    an ORM object instead)."""
    work = _work.get()
    if work is None:
        return False
    work.rows.setdefault(table, []).append(row)
    return True


def write_deferred() -> None:
    """Insert the deferred rows (after a flush, so that what they refer to exists)."""
    work = _work.get()
    if work is None or not work.rows:
        return
    pending, work.rows = work.rows, {}
    for table, rows in pending.items():
        db.session.execute(sa.insert(table), rows)


@contextmanager
def worker_transaction() -> Iterator[list]:
    """A worker's unit of work: ``one_transaction`` (yields the events recorded meanwhile, for
    the caller to handle inside), then the deferred rows written and one commit, with what was
    written kept loaded (sending the planned deliveries next reads neither them nor their units
    again; the task's session ends with the task). Rolled back if anything fails."""
    try:
        with one_transaction() as recorded:
            yield recorded
            db.session.flush()  # the ORM's changes first: deferred rows may refer to them
            write_deferred()
        with kept_loaded():
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def kept_loaded() -> Iterator[None]:
    """Objects stay loaded across the commits inside (the current Session's expire_on_commit
    off): what a worker just wrote or claimed, and nobody else changes, is not read again."""
    session = db.session()  # the scoped session's current Session
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = True
