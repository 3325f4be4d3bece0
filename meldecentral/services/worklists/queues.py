"""Work lists: the coordinators' triage queue, a unit's inbox, a street worker's own reports.
All start from ``access.visible_reports``, so a list never shows what its reader may not see."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects.postgresql import aggregate_order_by

from meldecentral import clock
from meldecentral.domain import roles, workflow
from meldecentral.extensions import db
from meldecentral.models import Assignment, Category, District, Report, Unit
from meldecentral.models.report import (
    OPEN_ASSIGNMENT_SQL,
    OPEN_STATUSES_SQL,
    UNROUTED_STATUSES_SQL,
    URGENCY_RANK_SQL,
)
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden
from meldecentral.services.privacy import access
from meldecentral.services.worklists import search

URGENCY_ORDER = sa.case((Report.urgency == "high", 0), (Report.urgency == "normal", 1), else_=2)
# The same order as literal SQL, matching the partial indexes ix_report_triage and
# ix_assignment_inbox (models/report.py); bound parameters would not match them.
_URGENCY_RANK = sa.literal_column(f"({URGENCY_RANK_SQL.replace('urgency', 'report.urgency')})")
_REPORT_OPEN = sa.text(OPEN_STATUSES_SQL.replace("status", "report.status"))
_REPORT_UNROUTED = sa.text(UNROUTED_STATUSES_SQL.replace("status", "report.status"))
_ASSIGNMENT_OPEN = sa.text(OPEN_ASSIGNMENT_SQL.replace("status", "assignment.status"))
_ASSIGNMENT_WAITING_LAST = sa.literal_column("(assignment.status <> 'routed')")
# Lists count their rows up to this many (and at least one page past the current one): an
# exact count of a large result costs as much as reading it.
COUNT_CAP = 200


@dataclass(frozen=True)
class QueueFilter:
    district: int | None = None
    category: str | None = None
    status: str | None = None  # None: every open status
    unit: str | None = None
    overdue: bool = False
    unrouted: bool = False
    q: str | None = None  # full-text search (services/worklists/search.py)


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int
    total_capped: bool = False  # True: there are more than ``total`` (see COUNT_CAP)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _count_up_to(query: sa.Select, cap: int, order_by: tuple) -> sa.Select:
    limited = query.with_only_columns(Report.id).order_by(*order_by).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(limited)


def capped_count(
    query: sa.Select, page: int, per_page: int, order_by: tuple = ()
) -> tuple[int, bool]:
    """Count the rows of ``query`` up to COUNT_CAP (or one past the current page, if further);
    returns (count, capped). Given the page's order, the planner walks the same index as the
    page and stops at the cap, where unordered it may scan the table for rows that are rare
    in its older part."""
    cap = max(COUNT_CAP, page * per_page + 1)
    n = db.session.scalar(_count_up_to(query, cap, order_by))
    return min(n, cap), n > cap


def summary_page(
    query: sa.Select,
    page: int,
    per_page: int,
    order_by: tuple,
    count_order_by: tuple,
    *extra,
) -> tuple[list, int, bool]:
    """A page of ``query`` (a select of Report) as rows of SUMMARY_COLUMNS and ``extra``, with
    ``capped_count``'s (count, capped). One statement: the count is an uncorrelated scalar
    subquery of the page's (planned and run once, as the separate count was), so a list costs
    one round trip less; only an empty page (past the end) needs the count on its own."""
    cap = max(COUNT_CAP, page * per_page + 1)
    total = _count_up_to(query, cap, count_order_by).scalar_subquery().label("total")
    rows = db.session.execute(
        summary_rows(query, *extra, total)
        .order_by(*order_by)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    n = rows[0][-1] if rows else db.session.scalar(_count_up_to(query, cap, count_order_by))
    return rows, min(n, cap), n > cap


def ranked_ids(
    query: sa.Select, page: int, per_page: int, order_by: tuple
) -> tuple[list[int], int, bool]:
    """The ids of a page of ``query`` in ``order_by``, and ``capped_count``'s (count, capped),
    from one statement that reads the ids up to the cap: for a search, whose matching and
    ranking are the cost, done once rather than for the count and again for the page."""
    cap = max(COUNT_CAP, page * per_page + 1)
    ids = db.session.scalars(
        query.with_only_columns(Report.id, maintain_column_froms=True)
        .order_by(*order_by)
        .limit(cap + 1)
    ).all()
    return list(ids[(page - 1) * per_page : page * per_page]), min(len(ids), cap), len(ids) > cap


def _in_order(rows, ids: list[int], key=lambda row: row[0]) -> list:
    at = {rid: i for i, rid in enumerate(ids)}
    return sorted(rows, key=lambda row: at[key(row)])


def search_summary_page(
    query: sa.Select, page: int, per_page: int, order_by: tuple, *extra
) -> tuple[list, int, bool]:
    """``summary_page`` for a search: the ranked ids first (``ranked_ids``), then their rows."""
    ids, total, capped = ranked_ids(query, page, per_page, order_by)
    if not ids:
        return [], total, capped
    rows = db.session.execute(
        summary_rows(sa.select(Report).where(Report.id.in_(ids)), *extra)
    ).all()
    return _in_order(rows, ids), total, capped


def _next_deadline():
    """The earliest acknowledgement deadline among a report's unacknowledged assignments."""
    return (
        sa.select(sa.func.min(Assignment.ack_deadline))
        .where(Assignment.report_id == Report.id, Assignment.status == workflow.ROUTED)
        .correlate(Report)
        .scalar_subquery()
    )


# (database, model, municipality, number or code) -> id. Districts, categories and units keep
# their ids for good (edits change names and flags, never the key).
_ids: dict[tuple, int | None] = {}


def _id_of(model, actor: Actor, key) -> int | None:
    column = model.number if model is District else model.code
    cache_key = (str(db.engine.url), model.__name__, actor.municipality_id, key)
    if cache_key not in _ids:
        found = db.session.scalar(
            sa.select(model.id).where(model.municipality_id == actor.municipality_id, column == key)
        )
        if found is None:
            return None  # matches nothing; not remembered, it may be created later
        _ids[cache_key] = found
    return _ids[cache_key]


# The columns of a report's summary (schemas.ReportSummarySchema), in the order that
# schemas.rows.report_summary reads them, for lists dumped from rows rather than ORM objects.
# Category and district are joined as the ORM's joined eager loads join them (outer joins of
# aliases: a filter's scalar subquery on category or district must not be correlated to them).
_category = orm.aliased(Category, name="category_1")
_district = orm.aliased(District, name="district_1")
_unit = orm.aliased(Unit, name="unit_1")
SUMMARY_COLUMNS = (
    Report.id,
    Report.reference,
    Report.kind,
    _category.code.label("category"),
    _district.number.label("district"),
    Report.urgency,
    Report.status,
    Report.source,
    Report.minor_involved,
    Report.housing_estate,
    Report.created_at,
    Report.updated_at,
)


def _with_summary_joins(left):
    """``left`` (report, or a join with report) outer-joined to the summary's category and
    district."""
    return orm.outerjoin(left, _category, _category.id == Report.category_id).outerjoin(
        _district, _district.id == Report.district_id
    )


def summary_rows(query: sa.Select, *extra) -> sa.Select:
    """``query`` (a select of Report, as ``access.visible_reports`` starts it, filtered and
    ordered) as a select of SUMMARY_COLUMNS and then ``extra`` columns: plain rows for
    schemas.rows, no ORM objects, no relationships loaded."""
    return query.with_only_columns(
        *SUMMARY_COLUMNS, *extra, maintain_column_froms=False
    ).select_from(_with_summary_joins(Report))


def _triage_query(actor: Actor, f: QueueFilter) -> tuple[sa.Select, tuple, tuple]:
    """The triage queue's query (of Report), its order, and the order to count it in."""
    if actor.role != roles.COORDINATOR:
        raise Forbidden("only coordinators see the triage queue")
    query = filtered(actor, access.visible_reports(actor), f)
    if f.q:
        # Best match first, then newest; counted unordered (the matches are few).
        query, order = search.narrow(actor, query, f.q)
        return query, order, ()
    order = TRIAGE_ORDER
    # Counted in the page's order (see capped_count), except "unrouted": its index is small,
    # and unordered the count can stop at the cap instead of sorting all candidates.
    return query, order, () if f.unrouted else order


TRIAGE_ORDER = (
    _URGENCY_RANK,
    sa.nulls_last(Report.next_deadline.asc()),
    Report.created_at,
    Report.id,
)


def filtered(actor: Actor, query: sa.Select, f: QueueFilter) -> sa.Select:
    """``query`` (a select of Report from ``access.visible_reports``) narrowed by the triage
    queue's filters, all but the search (``f.q``): the queue and the staff map share them."""
    if f.status:
        query = query.where(Report.status == f.status)
    # The status set as literal SQL, the predicate of the partial index the planner should use.
    # (One status given is enough: the planner proves it implies the index's predicate, and a
    # second, redundant condition on status would spoil its row estimates.)
    if f.unrouted:
        query = query.where(_REPORT_UNROUTED)
    elif not f.status:
        query = query.where(_REPORT_OPEN)
    # Ids looked up first (and remembered), so that the planner sees real values.
    if f.district is not None:
        query = query.where(Report.district_id == _id_of(District, actor, f.district))
    if f.category:
        query = query.where(Report.category_id == _id_of(Category, actor, f.category))
    if f.unit:
        query = query.where(
            sa.exists().where(
                Assignment.report_id == Report.id, Assignment.unit_id == _id_of(Unit, actor, f.unit)
            )
        )
    if f.overdue:
        # next_deadline is the earliest unacknowledged deadline: overdue iff it has passed.
        query = query.where(Report.next_deadline <= clock.now())
    if f.unrouted:
        # No assignment at all. Such a report is received or triaged (routing moves it on) and
        # has no deadline: said explicitly, the planner can use ix_report_triage_unrouted.
        query = query.where(
            Report.next_deadline.is_(None),
            ~sa.exists().where(Assignment.report_id == Report.id),
        )
    return query


def triage_queue(
    actor: Actor,
    f: QueueFilter,
    page: int = 1,
    per_page: int = 50,
    *,
    with_assignments: bool = True,
) -> Page:
    """Coordinators: open reports by urgency, then the nearest deadline, then age. Items are
    (report, next deadline or None). An index scan of ix_report_triage at any size.
    ``with_assignments=False`` leaves ``report.assignments`` unloaded (``assigned_units`` is a
    cheaper way to show them)."""
    query, order, count_order = _triage_query(actor, f)
    if f.q:
        ids, total, capped = ranked_ids(query, page, per_page, order)
        found = sa.select(Report).where(Report.id.in_(ids))
        if not with_assignments:
            found = found.options(orm.lazyload(Report.assignments))
        rows = _in_order(db.session.scalars(found).unique().all(), ids, lambda r: r.id)
        return Page([(r, r.next_deadline) for r in rows], total, page, per_page, capped)
    total, capped = capped_count(query, page, per_page, count_order)
    if not with_assignments:
        query = query.options(orm.lazyload(Report.assignments))
    rows = (
        db.session.scalars(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
        .unique()
        .all()
    )
    return Page([(r, r.next_deadline) for r in rows], total, page, per_page, capped)


def triage_rows(actor: Actor, f: QueueFilter, page: int = 1, per_page: int = 50) -> Page:
    """``triage_queue`` as plain rows for the API: items are (row, codes of the units it is
    assigned to), the row SUMMARY_COLUMNS followed by next_deadline (schemas.rows.triage_item);
    the same filters, order and count."""
    query, order, count_order = _triage_query(actor, f)
    # The first page (most views) on PostgreSQL brings its units in the same statement: one
    # round trip less. Further pages ask for them apart: PostgreSQL would also run the
    # subquery for the rows that OFFSET skips.
    inline = page == 1 and db.engine.dialect.name == "postgresql"
    extra = (Report.next_deadline, *([_units_of_report()] if inline else []))
    if f.q:
        rows, total, capped = search_summary_page(query, page, per_page, order, *extra)
    else:
        rows, total, capped = summary_page(query, page, per_page, order, count_order, *extra)
    if inline:
        units_at = len(SUMMARY_COLUMNS) + 1  # after next_deadline
        items = [(row, row[units_at] or []) for row in rows]
    else:
        units = assigned_units([row[0] for row in rows])
        items = [(row, units[row[0]]) for row in rows]
    return Page(items, total, page, per_page, capped)


def _units_of_report():
    """PostgreSQL: the codes of the units a report is assigned to, in assignment order, as an
    array (``assigned_units`` for one report, as a column)."""
    return (
        sa.select(sa.func.array_agg(aggregate_order_by(Unit.code, Assignment.id)))
        .select_from(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
    )


def assigned_units(report_ids: list[int]) -> dict[int, list[str]]:
    """report id -> codes of the units it is assigned to, in one query without ORM objects."""
    out: dict[int, list[str]] = {rid: [] for rid in report_ids}
    if report_ids:
        rows = db.session.execute(
            sa.select(Assignment.report_id, Unit.code)
            .join(Unit, Assignment.unit_id == Unit.id)
            .where(Assignment.report_id.in_(report_ids))
            .order_by(Assignment.id)
        )
        for report_id, code in rows:
            out[report_id].append(code)
    return out


def _inbox(query: sa.Select, actor: Actor, include_closed: bool) -> sa.Select:
    """A unit's inbox: its assignments (visible to it by definition, access.visible_reports),
    open ones unless ``include_closed``, unacknowledged first by deadline."""
    if actor.role != roles.UNIT_MEMBER or actor.unit_id is None:
        raise Forbidden("only a unit's members see its inbox")
    query = query.where(
        Assignment.unit_id == actor.unit_id,
        Report.municipality_id == actor.municipality_id,
    )
    if not include_closed:
        query = query.where(_ASSIGNMENT_OPEN)
    return query.order_by(
        _ASSIGNMENT_WAITING_LAST, sa.nulls_last(Assignment.ack_deadline.asc()), Assignment.id
    )


def inbox_query(actor: Actor, include_closed: bool = False) -> sa.Select:
    """The unit's inbox as a select of Report joined to its assignment (for its export), in
    the inbox's order; the summary's category and district joined as ``summary_rows`` does."""
    query = sa.select(Report).select_from(
        _with_summary_joins(orm.join(Assignment, Report, Assignment.report_id == Report.id))
    )
    return _inbox(query, actor, include_closed)


def unit_inbox(
    actor: Actor,
    *,
    include_closed: bool = False,
    limit: int = 200,
    offset: int = 0,
    q: str | None = None,
) -> list:
    """A unit member's assignments, the most pressing first: unacknowledged ones by deadline,
    then the ones being worked on, by deadline. Open ones are an index scan of
    ix_assignment_inbox. With ``q``, those whose report matches (services/worklists/search.py),
    the best match first."""
    query = _inbox(
        sa.select(Assignment).join(Report, Assignment.report_id == Report.id),
        actor,
        include_closed,
    ).options(
        orm.contains_eager(Assignment.report).options(
            orm.joinedload(Report.category), orm.joinedload(Report.district)
        ),
        orm.joinedload(Assignment.unit),
    )
    if q:
        query, order = search.narrow(actor, query, q)
        query = query.order_by(None).order_by(*order, Assignment.id)
    return list(db.session.scalars(query.limit(limit).offset(offset)).unique())


def unit_inbox_rows(
    actor: Actor, *, include_closed: bool = False, limit: int = 200, offset: int = 0
) -> tuple[str | None, list]:
    """``unit_inbox`` as plain rows for the API: (the unit's code, rows of SUMMARY_COLUMNS
    followed by the assignment's id, status, ack_deadline, escalation_level, created_at,
    reporter_replied_at and unit code; schemas.rows.inbox_item). The same query, order and joins."""
    query = sa.select(
        *SUMMARY_COLUMNS,
        Assignment.id,
        Assignment.status,
        Assignment.ack_deadline,
        Assignment.escalation_level,
        Assignment.created_at,
        Assignment.reporter_replied_at,
        _unit.code,
    ).select_from(
        _with_summary_joins(
            orm.join(Assignment, Report, Assignment.report_id == Report.id)
        ).outerjoin(_unit, _unit.id == Assignment.unit_id)
    )
    query = _inbox(query, actor, include_closed)
    rows = db.session.execute(query.limit(limit).offset(offset)).all()
    if rows:
        unit = rows[0][-1]
    else:
        unit = db.session.scalar(sa.select(Unit.code).where(Unit.id == actor.unit_id))
    return unit, rows


def my_reports(actor: Actor, limit: int = 100) -> list[Report]:
    """A street worker's own reports, newest first, with what became of them."""
    if actor.role != roles.STREET_WORKER:
        raise Forbidden("only street workers have their own report list")
    return list(
        db.session.scalars(
            access.visible_reports(actor)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(limit)
        )
    )


def report_list_query(actor: Actor, args: dict) -> tuple[sa.Select, tuple]:
    """The staff's report list's query (of Report) and its order, newest first: what
    ``actor`` may see, filtered by status, category and district (codes), unit, urgency and
    creation time. Shared by the list and its export."""
    query = access.visible_reports(actor)
    if args.get("status"):
        query = query.where(Report.status.in_(args["status"]))
    # Filters compare ids found by a scalar subquery, so the planner walks one index of
    # report (district or category, by date) instead of joining.
    if args.get("category"):
        query = query.where(
            Report.category_id
            == sa.select(Category.id)
            .where(Category.municipality_id == actor.municipality_id)
            .where(Category.code == args["category"])
            .scalar_subquery()
        )
    if args.get("district") is not None:
        query = query.where(
            Report.district_id
            == sa.select(District.id)
            .where(District.municipality_id == actor.municipality_id)
            .where(District.number == args["district"])
            .scalar_subquery()
        )
    if args.get("unit"):
        unit_id = (
            sa.select(Unit.id)
            .where(Unit.municipality_id == actor.municipality_id, Unit.code == args["unit"])
            .scalar_subquery()
        )
        query = query.where(
            sa.exists().where(Assignment.report_id == Report.id, Assignment.unit_id == unit_id)
        )
    if args.get("urgency"):
        query = query.where(Report.urgency == args["urgency"])
    if args.get("created_from"):
        query = query.where(Report.created_at >= args["created_from"])
    if args.get("created_to"):
        query = query.where(Report.created_at < args["created_to"])
    return query, (Report.created_at.desc(), Report.id.desc())


def triage_query(actor: Actor, f: QueueFilter) -> tuple[sa.Select, tuple]:
    """The triage queue's query (of Report) and its order (for its export)."""
    query, order, _count_order = _triage_query(actor, f)
    return query, order


def report_list(actor: Actor, args: dict, page: int, per_page: int) -> tuple[list, int, bool]:
    """The staff's report list (``GET /api/v1/reports``, ``report_list_query``), a page of it;
    with ``q`` the best match first (services/worklists/search.py). Returns the page's summary
    rows, the total and whether it was capped."""
    query, order = report_list_query(actor, args)
    if args.get("q"):
        query, order = search.narrow(actor, query, args["q"])
        return search_summary_page(query, page, per_page, order)
    # Counted up to a cap: an exact count of a million rows costs as much as reading them.
    # The page and the count in one statement, as plain rows (no ORM objects, no assignments).
    return summary_page(query, page, per_page, order, order)
