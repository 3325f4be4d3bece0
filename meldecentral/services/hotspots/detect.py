"""The periodic hotspot scan (domain.scan): counts per H3 cell in ONE aggregate query, the
scan, the alarms stored as detections, the coordinators told in the app with the evidence.

Runs from the beat (workers.tasks.detect_hotspots), one municipality at a time; commits its
own work. A region already detected in the last window (new, accepted or dismissed) is not
announced again, so a daily run does not repeat the same alarm every day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from meldecentral import clock
from meldecentral.domain import hotspots, scan, workflow
from meldecentral.extensions import db
from meldecentral.models import DetectedHotspot, InAppNotification, Municipality, Report, Unit
from meldecentral.services.delivery.texts import staff_language

COORDINATORS = "COORD"
KIND = "hotspot.detected"


@dataclass(frozen=True)
class Counts:
    cells: list[str]
    observed: list[int]
    baseline: list[int]


def cell_counts(municipality_id: int, now) -> Counts:
    """Per cell: reports in the window and in the baseline before it, in one statement (needs,
    the staff's own requests, and merged duplicates are not counted)."""
    baseline_start, window_start, window_end = hotspots.window(now)
    in_window = sa.case((Report.created_at >= window_start, 1), else_=0)
    rows = db.session.execute(
        sa.select(Report.h3_cell, sa.func.sum(in_window), sa.func.count())
        .where(
            Report.municipality_id == municipality_id,
            Report.created_at >= baseline_start,
            Report.created_at < window_end,
            Report.h3_cell.is_not(None),
            Report.kind != hotspots.NEED,
            Report.status != workflow.MERGED,
        )
        .group_by(Report.h3_cell)
        .order_by(Report.h3_cell)
    ).all()
    return Counts(
        [r[0] for r in rows], [int(r[1]) for r in rows], [int(r[2]) - int(r[1]) for r in rows]
    )


def detect(
    municipality_id: int,
    *,
    alpha: float = scan.DEFAULT_ALPHA,
    replicas: int = scan.DEFAULT_REPLICAS,
    seed: int | None = None,
) -> list[int]:
    """Scan the municipality's last WINDOW_WEEKS against the BASELINE_WEEKS before; store each
    new alarm and tell the coordinators. Returns the new detections' ids."""
    now = clock.now()
    counts = cell_counts(municipality_id, now)
    rings = {cell: hotspots.rings(cell) for cell in counts.cells}
    result = scan.scan(
        counts.cells,
        counts.observed,
        counts.baseline,
        rings,
        window_weeks=hotspots.WINDOW_WEEKS,
        baseline_weeks=hotspots.BASELINE_WEEKS,
        alpha=alpha,
        replicas=replicas,
        seed=seed,
    )
    _, window_start, window_end = hotspots.window(now)
    known = _recently_detected(municipality_id, now)
    new = []
    for region in result.alarms:
        if known.intersection(region.cells):
            continue
        row = DetectedHotspot(
            municipality_id=municipality_id,
            centre_cell=region.centre,
            radius=region.k,
            cells=list(region.cells),
            resolution=hotspots.RESOLUTION,
            window_start=window_start,
            window_end=window_end,
            baseline_weeks=hotspots.BASELINE_WEEKS,
            observed=region.observed,
            expected=round(region.expected, 3),
            statistic=round(region.statistic, 4),
            p_value=region.p_value,
            alpha=alpha,
            replicas=replicas,
            status=hotspots.NEW,
            created_at=now,
        )
        db.session.add(row)
        new.append(row)
    db.session.flush()
    coordinators = db.session.scalar(
        sa.select(Unit.id).where(Unit.municipality_id == municipality_id, Unit.code == COORDINATORS)
    )
    if coordinators is not None:
        for row in new:
            db.session.add(
                InAppNotification(
                    unit_id=coordinators,
                    kind=KIND,
                    subject=_subject(row)[:200],
                    link=f"/staff/hotspots/detections#detection-{row.id}",
                    urgent=False,
                    created_at=now,
                )
            )
    db.session.commit()
    return [row.id for row in new]


def _subject(row: DetectedHotspot) -> str:
    with force_locale(staff_language()):
        return _(
            "Possible hotspot: %(observed)d reports in %(weeks)d weeks where %(expected)s were "
            "expected (p = %(p)s)",
            observed=row.observed,
            weeks=hotspots.WINDOW_WEEKS,
            expected=f"{row.expected:.1f}",
            p=f"{row.p_value:.3f}",
        )


def _recently_detected(municipality_id: int, now) -> set[str]:
    since = now - timedelta(weeks=hotspots.WINDOW_WEEKS)
    cells: set[str] = set()
    for row in db.session.scalars(
        sa.select(DetectedHotspot.cells).where(
            DetectedHotspot.municipality_id == municipality_id,
            DetectedHotspot.created_at >= since,
        )
    ):
        cells.update(row)
    return cells


def detect_all(**kw) -> dict[int, list[int]]:
    """Every municipality's scan (the beat's job)."""
    ids = db.session.scalars(sa.select(Municipality.id).order_by(Municipality.id)).all()
    return {m: detect(m, **kw) for m in ids}
