"""Full-text search for the work lists: a report matches when its text and place
(address_text), or one of its notes that the reader may see, hold every word of the query
(Danish stems, meldecentral/domain/stemming.py). The lists narrow ``access.visible_reports``
with ``narrow``, so a search never reaches further than the list itself.

PostgreSQL: report.search (a generated tsvector, GIN) and note's GIN expression index; ranked
by ts_rank. SQLite: the FTS5 tables report_fts and note_fts (stems, kept by triggers); ranked
by bm25. Then newest first. Matches in a note rank after matches in the report itself.
"""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.domain import stemming
from meldecentral.extensions import db
from meldecentral.models import Note, Report
from meldecentral.services.actor import Actor
from meldecentral.services.privacy import access, audit

_DANISH = sa.literal_column("'danish'::regconfig")
# report.search exists on PostgreSQL only (migration a9d3e5f7b2c4): not mapped on the model.
_REPORT_SEARCH = sa.literal_column("report.search")
_REPORT_FTS = sa.table("report_fts", sa.column("rowid"))
_NOTE_FTS = sa.table("note_fts", sa.column("rowid"), sa.column("report_id"))
NEWEST = (Report.created_at.desc(), Report.id.desc())
SNIPPET_SEPARATOR = " · "  # between a report's text and its place, in a snippet


def narrow(actor: Actor, query: sa.Select, q: str) -> tuple[sa.Select, tuple]:
    """``query`` (a select of Report, from ``access.visible_reports``) cut to the reports that
    match ``q``, and the order of the results: best match first, then newest first."""
    if db.engine.dialect.name == "postgresql":
        return _narrow_postgresql(actor, query, q)
    return _narrow_sqlite(actor, query, q)


def _narrow_postgresql(actor: Actor, query: sa.Select, q: str) -> tuple[sa.Select, tuple]:
    tsquery = sa.func.plainto_tsquery(_DANISH, q)
    # The reports whose notes match, as an array computed once (an InitPlan): "id = ANY" of it
    # is indexable, so the planner ORs the two bitmaps (ix_report_search, pk_report) and reads
    # each candidate once, checking the list's other filters (district, ...) on the same visit.
    in_notes = sa.func.array(
        sa.select(Note.report_id)
        .where(
            sa.func.to_tsvector(_DANISH, Note.body).op("@@")(tsquery),
            access.readable_notes(actor),
        )
        .scalar_subquery()
    )
    query = query.where(sa.or_(_REPORT_SEARCH.op("@@")(tsquery), Report.id == sa.any_(in_notes)))
    rank = sa.func.ts_rank(_REPORT_SEARCH, tsquery)
    return query, (rank.desc(), *NEWEST)


def _narrow_sqlite(actor: Actor, query: sa.Select, q: str) -> tuple[sa.Select, tuple]:
    # Stems are letters and digits: quoted, each is one FTS5 term; side by side, all must match.
    match = " ".join(f'"{s}"' for s in stemming.query_stems(q)) or '""'
    in_reports = sa.select(
        _REPORT_FTS.c.rowid.label("report_id"),
        sa.func.bm25(sa.literal_column("report_fts")).label("score"),
    ).where(sa.literal_column("report_fts").op("MATCH")(match))
    in_notes = (
        sa.select(_NOTE_FTS.c.report_id, sa.literal(0.0).label("score"))
        .select_from(_NOTE_FTS.join(Note, Note.id == _NOTE_FTS.c.rowid))
        .where(sa.literal_column("note_fts").op("MATCH")(match), access.readable_notes(actor))
    )
    union = sa.union_all(in_reports, in_notes).subquery()
    hits = (
        sa.select(union.c.report_id, sa.func.min(union.c.score).label("score"))
        .group_by(union.c.report_id)
        .subquery("search_hits")
    )
    # bm25 is negative, lower is better; a note's match counts 0, after any match in the text.
    query = query.where(hits.c.report_id == Report.id)
    return query, (hits.c.score.asc(), *NEWEST)


def snippets(actor: Actor, rows: list, q: str, channel: str) -> dict[int, str]:
    """report id -> a short extract of what matched (HTML-escaped, matched words in <mark>),
    for the (id, reference, ...) ``rows`` of a page of results: from the report's text and
    place, or else from the first note the reader may see that matched. Showing an extract is
    a view of the report's content: each is recorded in the access log (action "search")."""
    if not rows:
        return {}
    wanted = stemming.query_stems(q)
    ids = [row[0] for row in rows]
    docs = {
        rid: SNIPPET_SEPARATOR.join(p for p in (text, place) if p)
        for rid, text, place in db.session.execute(
            sa.select(Report.id, Report.text, Report.address_text).where(Report.id.in_(ids))
        )
    }
    out = {
        rid: stemming.highlight(doc, wanted)
        for rid, doc in docs.items()
        if stemming.contains_all(doc, wanted)
    }
    rest = [rid for rid in docs if rid not in out]
    if rest:
        notes = db.session.execute(
            sa.select(Note.report_id, Note.body)
            .where(Note.report_id.in_(rest), access.readable_notes(actor))
            .order_by(Note.id)
        )
        for rid, body in notes:
            if rid not in out and stemming.contains_all(body, wanted):
                out[rid] = stemming.highlight(body, wanted)
    for rid in rest:  # the database's parser found what ours did not: mark what we can
        out.setdefault(rid, stemming.highlight(docs[rid], wanted))
    audit.record_accesses(
        actor, [(row[0], row[1]) for row in rows if row[0] in out], "search", channel
    )
    return out
