"""Domain events through a transactional outbox.

``record`` adds an OutboxEvent to the current session, so the event commits or rolls back with
the change it describes (a Core insert builds its row with ``row`` and reports it with
``committed`` after its commit). After a commit, every hook in the app's
``extensions["outbox_hooks"]`` is handed the new events (id, urgency, request id); the worker side
registers one that relays them to Celery. If that fails (the broker is down), nothing is lost:
the sweeper republishes whatever stays unpublished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from meldecentral import clock
from meldecentral.db import tx
from meldecentral.extensions import db
from meldecentral.logs import current_request_id
from meldecentral.models import OutboxEvent

log = logging.getLogger(__name__)


_PENDING_KEY = "mc_outbox_pending"


_IDS_KEY = "mc_outbox_ids"

# Set by ``held``: committed events are not handed to the hooks.
_held: ContextVar[bool] = ContextVar("mc_outbox_held", default=False)


@contextmanager
def held() -> Iterator[None]:
    """Events committed inside stay unpublished: for a bulk loader (the demo) that marks most
    of them handled afterwards and hands the rest over with ``hand_over``. Without this, the
    demo's year of history queued some 2,100 tasks ahead of the first real report."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def hand_over(events: list[Committed]) -> None:
    """Give committed events to the hooks (the relay), as after their commit."""
    _run_hooks(events)


class Committed(NamedTuple):
    """What the relay needs to publish an event without reading it back."""

    id: int
    urgent: bool
    request_id: str | None


class Recorded(NamedTuple):
    """An event recorded in a worker's one transaction: what its handler needs."""

    topic: str
    payload: dict


def record(topic: str, payload: dict, *, urgent: bool = False) -> OutboxEvent | Recorded:
    here = tx.collecting()
    if here is not None:
        # Handled by the worker in this very transaction (db.tx): written as handled
        # and handed to the worker's loop.
        ev = record_handled(topic, payload, urgent=urgent)
        here.append(ev)
        return ev
    # The web request's id, or in a worker the id of the request that caused this task.
    ev = OutboxEvent(topic=topic, payload=payload, urgent=urgent, request_id=current_request_id())
    db.session.add(ev)
    db.session.info.setdefault(_PENDING_KEY, []).append(ev)
    return ev


def record_handled(topic: str, payload: dict, *, urgent: bool = False) -> Recorded:
    """In a worker's unit of work: keep the event as handled already (a Core row written before
    it commits), for a caller that does what its handler would itself (services.routing.route)."""
    now = clock.now()
    tx.defer_insert(
        OutboxEvent.__table__,
        {
            "topic": topic,
            "payload": payload,
            "urgent": urgent,
            "request_id": current_request_id(),
            "published_at": now,
            "handled_at": now,
            "publish_attempts": 0,
        },
    )
    return Recorded(topic, payload)


def row(topic: str, *, urgent: bool = False) -> dict:
    """An outbox row's columns but its payload, for a Core insert in the caller's transaction."""
    return {
        "topic": topic,
        "urgent": urgent,
        "request_id": current_request_id(),
        "created_at": clock.now(),
        "publish_attempts": 0,
    }


def committed(ids: list[int], *, urgent: bool = False) -> None:
    """Hand events written by a Core insert to the hooks, after the caller's commit."""
    rid = current_request_id()
    _run_hooks([Committed(i, urgent, rid) for i in ids])


@sa_event.listens_for(Session, "after_flush_postexec")
def _collect_ids(session: Session, flush_context) -> None:
    pending = session.info.get(_PENDING_KEY)
    if pending:
        session.info.setdefault(_IDS_KEY, []).extend(
            Committed(ev.id, bool(ev.urgent), ev.request_id) for ev in pending
        )
        pending.clear()


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    items = session.info.pop(_IDS_KEY, [])
    session.info.pop(_PENDING_KEY, None)
    _run_hooks(items)


def _run_hooks(items: list[Committed]) -> None:
    if not items or not has_app_context() or _held.get():
        return
    hooks: list[Callable[[list[Committed]], None]] = current_app.extensions.get("outbox_hooks", [])
    for hook in hooks:
        try:
            hook(items)
        except Exception:  # noqa: BLE001 - the sweeper will publish these later
            log.warning("publishing outbox events failed; the sweeper will retry", exc_info=True)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_IDS_KEY, None)
