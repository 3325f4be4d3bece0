"""Exports of a filtered report list (CSV, XLSX): the staff's report list, the triage queue,
a unit's inbox. The rows are exactly the list's (the same query, so the same need-to-know,
``access.visible_reports``), with the columns the actor's role may take away; one entry in
the access log per export, written before the first row goes out.

What leaves in a file is the list's level of detail, never a report's content: no text,
address, point, contact details, notes, history, photos or author (docs/security.md,
"Exports"). That is what makes one access-log entry per export (rather than one per report)
the right record: the report pages, where content is read, log each view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import Assignment, Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden
from meldecentral.services.privacy import audit
from meldecentral.services.worklists import queues, sheets

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows fetched from the database at a time (a server-side cursor on PostgreSQL); each batch
# brings its units (and the actor's unit's assignment) in one more query.
BATCH = 1000


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # a lazy string: the header in the export's language


# Every role's columns: what every staff list shows of a report (the triage queue, the
# inbox, "my reports": reference, time, category, district, urgency, status, the units).
COMMON = (
    Column("reference", _l("Reference")),
    Column("created_at", _l("Received")),
    Column("category", _l("Category code")),
    Column("category_name", _l("Category")),
    Column("district", _l("District number")),
    Column("district_name", _l("District")),
    Column("urgency", _l("Urgency")),
    Column("status", _l("Status")),
    Column("units", _l("Units")),
    Column("minor_involved", _l("Minor involved")),
    Column("housing_estate", _l("On a housing estate")),
    Column("updated_at", _l("Last changed")),
)
# What only a role's own list shows: the coordinators' queue has where a report came from
# and its nearest deadline; a unit's inbox has its own assignment's status and deadline.
ROLE_COLUMNS = {
    roles.COORDINATOR: COMMON
    + (
        Column("kind", _l("Kind")),
        Column("source", _l("Source")),
        Column("next_deadline", _l("Next deadline")),
    ),
    roles.UNIT_MEMBER: COMMON
    + (
        Column("assignment_status", _l("Our unit's status")),
        Column("ack_deadline", _l("Acknowledge by")),
    ),
    roles.STREET_WORKER: COMMON,
}

# Read for each row, after queues.SUMMARY_COLUMNS.
_EXTRA = (
    queues._category.label_da,
    queues._category.label_en,
    queues._district.name,
    Report.next_deadline,
)


@dataclass
class Export:
    """An export ready to be written: ``rows`` is a generator (cells in ``columns`` order:
    str, int, bool, datetime in local time, or None), to be consumed once."""

    columns: tuple[Column, ...]
    rows: Iterator[list]
    count: int  # the rows the file will carry (as counted when the export started)
    limit: int
    capped: bool  # the filter matched more than ``limit``
    language: str
    name: str  # the list: reports | queue | inbox


def columns_for(actor: Actor) -> tuple[Column, ...]:
    columns = ROLE_COLUMNS.get(actor.role)
    if columns is None:
        raise Forbidden("your role sees no report lists to export")
    return columns


def max_rows() -> int:
    return int(current_app.config["EXPORT_MAX_ROWS"])


def export_reports(
    actor: Actor,
    name: str,
    fmt: str,
    filters: dict,
    *,
    channel: str,
    language: str,
    limit: int | None = None,
) -> Export:
    """The export of one list, ``name``: "reports" (``filters`` as ``report_list_query``
    takes them), "queue" (a ``QueueFilter``'s fields) or "inbox" (``include_closed``).
    ``filters`` holds codes only; it is written to the access log as given (values that
    are not JSON, times, as ISO text). At most ``limit`` rows, never more than
    EXPORT_MAX_ROWS."""
    columns = columns_for(actor)
    if name == "reports":
        query, order = queues.report_list_query(actor, filters)
        joined = False
    elif name == "queue":
        query, order = queues.triage_query(actor, queues.QueueFilter(**filters))
        joined = False
    elif name == "inbox":
        query = queues.inbox_query(actor, bool(filters.get("include_closed")))
        order, joined = (), True  # ordered by the inbox already
    else:
        raise ValueError(f"unknown list {name!r}")
    cap = max_rows() if limit is None else max(1, min(limit, max_rows()))
    n = db.session.scalar(queues._count_up_to(query, cap, order))
    count, capped = min(n, cap), n > cap
    audit.record_export(
        actor,
        channel=channel,
        filters={"list": name, "format": fmt, **_loggable(filters), "limit": cap},
        row_count=count,
    )
    rows = query.with_only_columns(*queues.SUMMARY_COLUMNS, *_EXTRA, maintain_column_froms=False)
    if not joined:
        rows = rows.select_from(queues._with_summary_joins(Report))
    rows = rows.order_by(*order).limit(count)
    return Export(
        columns,
        _cells(actor, rows, columns, language),
        count,
        cap,
        capped,
        language,
        name,
    )


def _loggable(filters: dict) -> dict:
    """The filter as JSON for the access log: codes and numbers as they are, times as ISO
    text, lists as lists, empty values left out."""
    out = {}
    for key, value in filters.items():
        if value in (None, "", [], False):
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple | list):
            value = list(value)
        out[key] = value
    return out


def _assigned(actor: Actor, report_ids: list[int]) -> tuple[dict, dict]:
    """report id -> unit codes; and, for a unit member, report id -> (status, deadline) of
    their unit's assignment."""
    units = queues.assigned_units(report_ids)
    own: dict[int, tuple] = {}
    if actor.role == roles.UNIT_MEMBER and report_ids:
        own = {
            rid: (status, deadline)
            for rid, status, deadline in db.session.execute(
                sa.select(Assignment.report_id, Assignment.status, Assignment.ack_deadline).where(
                    Assignment.report_id.in_(report_ids), Assignment.unit_id == actor.unit_id
                )
            )
        }
    return units, own


def _cells(actor: Actor, query: sa.Select, columns, language: str) -> Iterator[list]:
    """The rows, a batch at a time: never the whole result in memory."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    with force_locale(language):
        yes, no = _("Yes"), _("No")
    keys = [c.key for c in columns]
    at = {c.key: i for i, c in enumerate(queues.SUMMARY_COLUMNS)}
    label_da, label_en, district_name, next_deadline = range(
        len(queues.SUMMARY_COLUMNS), len(queues.SUMMARY_COLUMNS) + len(_EXTRA)
    )

    def local(value: datetime | None):
        return value.astimezone(tz) if value is not None else None

    result = db.session.execute(query.execution_options(yield_per=BATCH))
    try:
        for batch in result.partitions():
            units, own = _assigned(actor, [row[0] for row in batch])
            for row in batch:
                rid = row[0]
                label = row[label_da] if language == "da" else (row[label_en] or row[label_da])
                status, deadline = own.get(rid, (None, None))
                value = {
                    "reference": row[at["reference"]],
                    "created_at": local(row[at["created_at"]]),
                    "updated_at": local(row[at["updated_at"]]),
                    "category": row[at["category"]],
                    "category_name": label,
                    "district": row[at["district"]],
                    "district_name": row[district_name],
                    "urgency": row[at["urgency"]],
                    "status": row[at["status"]],
                    "units": " ".join(units.get(rid, ())),
                    "minor_involved": yes if row[at["minor_involved"]] else no,
                    "housing_estate": yes if row[at["housing_estate"]] else no,
                    "kind": row[at["kind"]],
                    "source": row[at["source"]],
                    "next_deadline": local(row[next_deadline]),
                    "assignment_status": status,
                    "ack_deadline": local(deadline),
                }
                yield [value[k] for k in keys]
    finally:
        result.close()


def headers(export: Export) -> list[str]:
    with force_locale(export.language):
        return [str(c.header) for c in export.columns]


def capped_note(export: Export) -> str:
    with force_locale(export.language):
        return _(
            "Only the first %(n)d rows: the filter matched more. Narrow the filter to export "
            "the rest.",
            n=export.limit,
        )


def body(export: Export, fmt: str) -> Iterator[bytes]:
    """The file, a chunk at a time (a response streams it)."""
    heads = headers(export)
    note = capped_note(export) if export.capped else None
    if fmt == "xlsx":
        return sheets.xlsx_chunks(heads, export.rows, sheet=export.name, note=note)
    delimiter = ";" if export.language == "da" else ","
    return sheets.csv_chunks(heads, export.rows, delimiter=delimiter, note=note)


def response_headers(export: Export, fmt: str) -> dict[str, str]:
    """The download's name (the list and the date: no filter values, nothing personal) and
    what a program may read without opening the file."""
    day = clock.now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date().isoformat()
    return {
        "Content-Disposition": f'attachment; filename="meldecentral-{export.name}-{day}.{fmt}"',
        "X-Export-Rows": str(export.count),
        "X-Export-Limit": str(export.limit),
        "X-Export-Capped": "true" if export.capped else "false",
    }
