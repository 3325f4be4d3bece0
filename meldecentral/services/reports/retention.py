"""Retention: personal data does not outlive its purpose.

A report closed for RETENTION_ANONYMISE_DAYS loses its reporter's contact details (the fields
are emptied, ``anonymised_at`` is set) and its attachments (rows and files). After
RETENTION_DELETE_DAYS the report itself goes, with everything hanging off it; a tombstone
keeps its reference, category, district and dates, so that it can still be counted and a
question about it answered. Access-log rows stay, with ``report_id`` emptied and the reference
kept. The beat runs ``apply_retention`` hourly; each report is its own short transaction, and
files are deleted only after their rows are committed away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    AccessLog,
    Assignment,
    Attachment,
    Delivery,
    InAppNotification,
    InAppRead,
    Note,
    Report,
    ReporterContact,
    ReporterFeedback,
    ReporterMessage,
    ReportEvent,
    ReportTombstone,
    RoutingDecision,
)
from meldecentral.models.conversation import ANSWER, MESSAGE_KINDS
from meldecentral.services.actor import SYSTEM
from meldecentral.services.reports import attachments, history

log = logging.getLogger(__name__)


@dataclass
class RetentionResult:
    anonymised: list[int] = field(default_factory=list)  # report ids
    deleted: list[int] = field(default_factory=list)


def _cutoffs() -> tuple:
    cfg = current_app.config
    now = clock.now()
    return (
        now - timedelta(days=cfg["RETENTION_ANONYMISE_DAYS"]),
        now - timedelta(days=cfg["RETENTION_DELETE_DAYS"]),
    )


def due_for_anonymising(cutoff, limit: int) -> list[int]:
    """Closed before ``cutoff`` and still holding contact details or attachments."""
    has_contact = (
        sa.select(ReporterContact.id)
        .where(ReporterContact.report_id == Report.id, ReporterContact.anonymised_at.is_(None))
        .exists()
    )
    has_files = sa.select(Attachment.id).where(Attachment.report_id == Report.id).exists()
    return list(
        db.session.scalars(
            sa.select(Report.id)
            .where(Report.closed_at.is_not(None), Report.closed_at <= cutoff)
            .where(sa.or_(has_contact, has_files))
            .order_by(Report.closed_at, Report.id)
            .limit(limit)
        )
    )


def due_for_deletion(cutoff, limit: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Report.id)
            .where(Report.closed_at.is_not(None), Report.closed_at <= cutoff)
            .order_by(Report.closed_at, Report.id)
            .limit(limit)
        )
    )


def _lock(report_id: int, cutoff) -> Report | None:
    """The report, locked, if it is still closed before ``cutoff`` (it may have been reopened
    since it was selected)."""
    report = db.session.scalar(
        sa.select(Report).where(Report.id == report_id).with_for_update(of=Report)
    )
    if report is None or report.closed_at is None or report.closed_at > cutoff:
        db.session.rollback()
        return None
    return report


def _delete_attachment_rows(report_id: int) -> list[str]:
    names = list(
        db.session.scalars(
            sa.select(Attachment.storage_name).where(Attachment.report_id == report_id)
        )
    )
    # A reporter's message keeps its text; its photo goes with the others.
    db.session.execute(
        sa.update(ReporterMessage)
        .where(ReporterMessage.report_id == report_id, ReporterMessage.attachment_id.is_not(None))
        .values(attachment_id=None)
    )
    db.session.execute(sa.delete(Attachment).where(Attachment.report_id == report_id))
    return names


def anonymise_report(report_id: int, cutoff) -> bool:
    report = _lock(report_id, cutoff)
    if report is None:
        return False
    now = clock.now()
    contact = db.session.scalar(
        sa.select(ReporterContact).where(ReporterContact.report_id == report.id)
    )
    had_contact = contact is not None and contact.anonymised_at is None
    if had_contact:
        contact.name = contact.email = contact.phone = None
        contact.wants_updates = False
        contact.anonymised_at = now
    files = _delete_attachment_rows(report.id)
    history.append(
        report.id,
        SYSTEM,
        "anonymised",
        data={"contact": had_contact, "attachments_deleted": len(files)},
    )
    db.session.commit()
    attachments.delete_files(files)
    return True


def delete_report(report_id: int, cutoff, reason: str) -> bool:
    report = _lock(report_id, cutoff)
    if report is None:
        return False
    rid = report.id
    db.session.add(
        ReportTombstone(
            report_id=rid,
            municipality_id=report.municipality_id,
            reference=report.reference,
            category_code=report.category.code,
            district_number=report.district.number if report.district else None,
            created_at=report.created_at,
            closed_at=report.closed_at,
            deleted_at=clock.now(),
            reason=reason,
        )
    )
    files = _delete_attachment_rows(rid)
    assignment_ids = sa.select(Assignment.id).where(Assignment.report_id == rid)
    deliveries = sa.select(Delivery.id).where(
        sa.or_(Delivery.report_id == rid, Delivery.assignment_id.in_(assignment_ids))
    )
    # Children first; each statement names its rows, so nothing relies on ORM cascades.
    notifications = sa.select(InAppNotification.id).where(
        sa.or_(InAppNotification.delivery_id.in_(deliveries), InAppNotification.report_id == rid)
    )
    db.session.execute(sa.delete(InAppRead).where(InAppRead.notification_id.in_(notifications)))
    db.session.execute(sa.delete(InAppNotification).where(InAppNotification.id.in_(notifications)))
    db.session.execute(sa.delete(Delivery).where(Delivery.id.in_(deliveries)))  # attempts cascade
    db.session.execute(sa.delete(ReportEvent).where(ReportEvent.report_id == rid))
    db.session.execute(sa.delete(Note).where(Note.report_id == rid))
    # Answers point at questions: the answers first.
    for kinds in ((ANSWER,), MESSAGE_KINDS):
        db.session.execute(
            sa.delete(ReporterMessage).where(
                ReporterMessage.report_id == rid, ReporterMessage.kind.in_(kinds)
            )
        )
    db.session.execute(sa.delete(ReporterFeedback).where(ReporterFeedback.report_id == rid))
    db.session.execute(sa.delete(RoutingDecision).where(RoutingDecision.report_id == rid))
    db.session.execute(sa.delete(Assignment).where(Assignment.report_id == rid))
    db.session.execute(sa.delete(ReporterContact).where(ReporterContact.report_id == rid))
    # Duplicates merged into this report keep their own life; they just lose the pointer.
    db.session.execute(
        sa.update(Report).where(Report.duplicate_of_id == rid).values(duplicate_of_id=None)
    )
    # The access log keeps its rows and the reference; report_id goes (the one update its
    # append-only trigger allows on PostgreSQL; the FK's ON DELETE SET NULL would do the same).
    db.session.execute(
        sa.update(AccessLog).where(AccessLog.report_id == rid).values(report_id=None)
    )
    db.session.execute(sa.delete(Report).where(Report.id == rid))
    db.session.commit()  # (the bulk DELETE also took the report out of the session)
    attachments.delete_files(files)
    return True


def apply_retention(limit: int | None = None) -> RetentionResult:
    """One pass: delete what is due for deletion, then anonymise what is due for that. Safe to
    run concurrently with itself (row locks) and idempotent."""
    cfg = current_app.config
    limit = limit or cfg["RETENTION_BATCH"]
    anonymise_cutoff, delete_cutoff = _cutoffs()
    result = RetentionResult()
    reason = f"retention: closed more than {cfg['RETENTION_DELETE_DAYS']} days"
    for report_id in due_for_deletion(delete_cutoff, limit):
        if delete_report(report_id, delete_cutoff, reason):
            result.deleted.append(report_id)
    for report_id in due_for_anonymising(anonymise_cutoff, limit):
        if anonymise_report(report_id, anonymise_cutoff):
            result.anonymised.append(report_id)
    if result.deleted or result.anonymised:
        log.info(
            "retention: %d reports anonymised, %d deleted",
            len(result.anonymised),
            len(result.deleted),
        )
    return result
