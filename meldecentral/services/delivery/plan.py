"""Who is told what. Deciding is separate from sending: this module only creates Delivery rows
(deduplicated by a key per reason, recipient and channel); ``services.delivery`` sends them.

Payloads and texts are thin: ids, reference, category, district, urgency and a link; never the
report's text or anyone's personal data.
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload

from meldecentral import clock
from meldecentral.db import bulk, tx
from meldecentral.extensions import db
from meldecentral.models import Assignment, Delivery, Report, Unit
from meldecentral.models.delivery import SENDING
from meldecentral.services.delivery import channels, push, send, texts
from meldecentral.services.reference import municipalities

PLANNED_KEY = "mc_planned_deliveries"
IN_APP = "in_app"  # the notification centre: written directly, not as a delivery


def _link(report: Report, path: str) -> str:
    """A link into the report's municipality (its host name or path prefix)."""
    return municipalities.base_url(report.municipality_id) + path


def thin_payload(report: Report, event: str, **extra) -> dict:
    return {
        "type": event,
        "report_id": report.id,
        "reference": report.reference,
        "category": report.category.code,
        "district": report.district.number if report.district else None,
        "urgency": report.urgency,
        # A routing fact the receiving unit acts on (book an interpreter before calling back).
        "interpreter_language": report.interpreter_language,
        "link": _link(report, f"/staff/reports/{report.id}"),
        **extra,
    }


def _insert_ignoring_duplicates(rows: list[dict]) -> list[int]:
    """Insert deliveries; a row whose dedupe_key exists already is skipped. Returns new ids."""
    return [d.id for d in insert_planned(rows)]


def insert_planned(rows: list[dict]) -> list[Delivery]:
    """Insert deliveries, skipping a row whose dedupe_key exists already; returns the new ones.
    In a worker's one transaction they are created claimed for it (see below)."""
    if not rows:
        return []
    if tx.collecting() is not None:
        # Planned by a worker, which sends them as soon as this transaction commits: claimed
        # for it now. Should it die first, the lease runs out and the sweeper sends them.
        lease_until = clock.now() + send.send_lease()
        rows = [{**row, "status": SENDING, "lease_until": lease_until} for row in rows]
    columns = tuple(rows[0])
    if db.engine.dialect.name == "postgresql":
        # One short statement for any number of rows (db.bulk).
        stmt, params = _insert_from_arrays(columns), bulk.params(columns, rows)
    else:
        # The rows as parameters, not in .values(): a statement with its rows built in has no
        # cache key, so SQLAlchemy compiled it anew for every alert (bench.profile, SHOW_SQL).
        stmt, params = _insert_many(), rows
    planned = list(db.session.scalars(stmt, params))
    if tx.collecting() is not None:
        # The identity map holds objects weakly: keep these until the worker has sent them.
        db.session.info.setdefault(PLANNED_KEY, []).extend(planned)
    return planned


@functools.cache
def _insert_many():
    return (
        sqlite_insert(Delivery)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Delivery)  # as ORM objects: the worker sending them need not read them
        .options(lazyload(Delivery.attempt_log))
    )


@functools.cache
def _insert_from_arrays(columns: tuple[str, ...]):
    table = Delivery.__table__
    insert = (
        pg_insert(table)
        .from_select(columns, bulk.rows_from_arrays(table, columns))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(*table.c)
    )
    # As ORM objects: the worker sending them need not read them.
    return sa.select(Delivery).from_statement(insert).options(lazyload(Delivery.attempt_log))


def _alert_row(
    report: Report,
    dedupe_key: str,
    audience: str,
    channel: str,
    recipient: str | None,
    subject: str,
    payload: dict,
    *,
    assignment_id: int | None = None,
    unit_id: int | None = None,
    urgent: bool | None = None,
) -> dict:
    """A staff alert's delivery row: the subject and the payload's link as its body."""
    return {
        "dedupe_key": dedupe_key,
        "report_id": report.id,
        "assignment_id": assignment_id,
        "unit_id": unit_id,
        "audience": audience,
        "channel": channel,
        "recipient": recipient,
        "subject": subject,
        "body": f"{subject}\n{payload['link']}",
        "payload": payload,
        "urgent": report.urgency == "high" if urgent is None else urgent,
        "status": "pending",
        "attempts": 0,
    }


def _unit_rows(
    unit: Unit, report: Report, reason: str, subject: str, payload: dict, assignment_id: int | None
) -> list[dict]:
    rows = []
    for channel in (unit.channels or {}).get(report.urgency) or []:
        recipient = channels.unit_address(unit, channel)  # where the channel declares it
        # No address configured: kept, and dead-lettered on the first attempt, so that a
        # coordinator sees the gap instead of the alert vanishing.
        rows.append(
            _alert_row(
                report,
                f"{reason}:{unit.code}:{channel}",
                "unit",
                channel,
                recipient,
                subject,
                payload,
                assignment_id=assignment_id,
                unit_id=unit.id,
            )
        )
    return rows


def plan_assignment_alert(assignment_id: int) -> list[int]:
    """A report was routed to a unit: tell the unit on its channels for this urgency."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        return []
    rows = alert_rows(assignment.report, assignment.unit, assignment.id, assignment.ack_deadline)
    return _insert_ignoring_duplicates(rows)


def alert_rows(
    report: Report, unit: Unit, assignment_id: int, ack_deadline: datetime | None
) -> list[dict]:
    """The deliveries of a new assignment's alert (one per channel of the unit's urgency)."""
    subject = texts.new_report_subject(report)
    payload = thin_payload(
        report,
        "assignment.routed",
        assignment_id=assignment_id,
        unit=unit.code,
        ack_deadline=ack_deadline.isoformat() if ack_deadline else None,
    )
    return _unit_rows(unit, report, f"assigned:{assignment_id}", subject, payload, assignment_id)


def _assignment_and_unit(assignment_id: int, unit_code: str):
    """The assignment, its report and the unit of ``unit_code`` in the report's municipality;
    None if either is gone."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        return None
    report = assignment.report
    unit = db.session.scalar(
        sa.select(Unit).filter_by(municipality_id=report.municipality_id, code=unit_code)
    )
    return None if unit is None else (assignment, report, unit)


def plan_overdue_reminder(assignment_id: int, level: int, to_unit_code: str) -> list[int]:
    """Escalation: remind the unit (level 1), then tell the coordinators (level 2)."""
    found = _assignment_and_unit(assignment_id, to_unit_code)
    if found is None:
        return []
    assignment, report, unit = found
    subject = texts.overdue_subject(report, assignment.unit.name)
    payload = thin_payload(
        report,
        "assignment.overdue",
        assignment_id=assignment.id,
        unit=assignment.unit.code,
        level=level,
    )
    rows = _unit_rows(
        unit, report, f"overdue:{assignment.id}:{level}", subject, payload, assignment.id
    )
    return _insert_ignoring_duplicates(rows)


def plan_reporter_update(report_id: int, reason: str) -> list[int]:
    """A public update or an outcome: tell a reporter who left contact details and asked to be
    told, and so the reporters of the reports merged into this one (their tracking pages show
    it). The address is not copied; the delivery looks it up when it sends."""
    report = db.session.get(Report, report_id)
    if report is None:
        return []
    rows = [_reporter_row(report, f"reporter:{reason}")]
    rows += [
        _reporter_row(merged, f"reporter:{reason}:r{merged.id}")
        for merged in merged_into(report.id)
    ]
    return _insert_ignoring_duplicates([row for row in rows if row is not None])


# Merges chain rarely and briefly; the bound only keeps a corrupt cycle from looping.
MAX_MERGE_DEPTH = 10


def merged_into(report_id: int) -> list[Report]:
    """The reports merged into this one, and those merged into them in turn."""
    found: list[Report] = []
    seen, frontier = {report_id}, [report_id]
    for _ in range(MAX_MERGE_DEPTH):
        if not frontier:
            break
        batch = db.session.scalars(
            sa.select(Report).where(Report.duplicate_of_id.in_(frontier)).order_by(Report.id)
        ).all()
        batch = [r for r in batch if r.id not in seen]
        seen.update(r.id for r in batch)
        found += batch
        frontier = [r.id for r in batch]
    return found


def plan_reporter_question(report_id: int, message_id: int) -> list[int]:
    """Staff asked the reporter a question: tell them, if they left an address (an anonymous
    reporter sees it on the tracking page)."""
    report = db.session.get(Report, report_id)
    if report is None:
        return []
    row = _reporter_row(report, f"reporter:question:{message_id}", texts.reporter_question)
    return _insert_ignoring_duplicates([row] if row else [])


def plan_reporter_merged(report_id: int) -> list[int]:
    """A report was merged into another: its reporter hears so (and later that one's news)."""
    report = db.session.get(Report, report_id)
    if report is None:
        return []
    row = _reporter_row(report, "reporter:merged", texts.reporter_merged)
    return _insert_ignoring_duplicates([row] if row else [])


def _reporter_row(report: Report, dedupe_key: str, text=None) -> dict | None:
    """A delivery to the reporter in their language (texts.reporter_*; by default "there is
    news"), or None when they left no address or asked not to be told."""
    contact = report.contact
    if contact is None or not contact.wants_updates or contact.anonymised_at is not None:
        return None
    channel = "email" if contact.email else "sms" if contact.phone else None
    if channel is None:
        return None
    track = _link(report, f"/track/{report.reference}")
    subject, body = (text or texts.reporter_update)(report, track)
    return {
        "dedupe_key": dedupe_key,
        "report_id": report.id,
        "assignment_id": None,
        "unit_id": None,
        "audience": "reporter",
        "channel": channel,
        "recipient": None,
        "subject": subject,
        "body": body,
        "payload": {"type": "report.update", "reference": report.reference, "link": track},
        "urgent": False,
        "status": "pending",
        "attempts": 0,
    }


# A street worker's own report: the statuses they are told of, and the kind their push names.
STREET_WORKER_NEWS = {"routed": "report.routed", "resolved": "report.resolved"}
PUSH = "webpush"


def plan_street_worker_update(
    report_id: int, status: str, staff_author: bool | None = None
) -> list[int]:
    """A street worker's report was routed or closed: a push to their phones, if they turned
    push alerts on (no subscription, no delivery: nothing to dead-letter). ``staff_author``:
    False when the event says a resident wrote it (nothing to ask), None when it does not say."""
    kind = STREET_WORKER_NEWS.get(status)
    if kind is None or staff_author is False:
        return []
    # Every routed report passes here: one indexed query says whether its author subscribed
    # at all, before the report itself is loaded (its relations are many columns).
    author = db.session.scalar(sa.select(Report.reporter_user_id).where(Report.id == report_id))
    if author is None or not push.has_subscriptions(author):
        return []
    report = db.session.get(Report, report_id)
    payload = thin_payload(report, kind)
    subject = texts.street_worker_update(report, status)
    row = _alert_row(
        report,
        f"staff:{status}:{report.id}",
        "staff",
        PUSH,
        push.user_recipient(report.reporter_user_id),
        subject,
        payload,
        urgent=False,
    )
    return _insert_ignoring_duplicates([row])


def chief_rows(report: Report, found: list) -> list[dict]:
    """A report routed to hotspots' chiefs (``found``: hotspots.chiefs.ChiefMatch): tell each
    chief personally on the channels of CHIEF_CHANNELS that reach a person. A channel without
    addresses (web push) reaches their browsers, if they turned alerts on (else nothing, as for
    a street worker); one whose address is an e-mail reaches their sign-in address. The in-app
    notice is written by the routing itself; any other channel has no address for a person."""
    if not found:
        return []
    wanted = current_app.config.get("CHIEF_CHANNELS", ())
    described = channels.described()
    rows = []
    for match in found:
        subject = texts.hotspot_subject(report, match.hotspot_name)[:200]
        payload = thin_payload(report, "hotspot.report", hotspot_id=match.hotspot_id)
        for channel in wanted:
            description = described.get(channel)
            if description is None or channel == IN_APP:
                continue
            if description.address is None:
                if not push.has_subscriptions(match.chief_user_id):
                    continue
                recipient = push.user_recipient(match.chief_user_id)
            elif description.address.kind == "email" and match.chief_email:
                recipient = match.chief_email
            else:
                continue
            key = f"chief:{match.hotspot_id}:{report.id}:{channel}"
            rows.append(_alert_row(report, key, "staff", channel, recipient, subject, payload))
    return rows


def plan_undelivered_fallback(
    assignment_id: int, to_unit_code: str, failed_channels: list[str]
) -> list[int]:
    """An urgent alert to a unit is not delivered in time: tell the coordinators on their own
    channels (not the ones failing, should the alert be theirs), once per alert."""
    found = _assignment_and_unit(assignment_id, to_unit_code)
    if found is None:
        return []
    assignment, report, unit = found
    failed_unit = assignment.unit.code
    subject = texts.undelivered_subject(report, assignment.unit.name)
    payload = thin_payload(
        report,
        "alert.undelivered",
        assignment_id=assignment.id,
        unit=failed_unit,
        channels=sorted(failed_channels),
    )
    rows = _unit_rows(unit, report, f"fallback:{assignment.id}", subject, payload, assignment.id)
    if unit.code == failed_unit:
        rows = [row for row in rows if row["channel"] not in failed_channels]
    return _insert_ignoring_duplicates(rows)
