"""Open311's rules as data (meldecentral/domain/open311.py): the status mapping, the 90-day
window, the status filter, and where a report may be shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meldecentral.domain import open311, workflow

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (workflow.RECEIVED, "open"),
        (workflow.TRIAGED, "open"),
        (workflow.ROUTED, "open"),
        (workflow.IN_PROGRESS, "open"),
        (workflow.RESOLVED, "closed"),
        (workflow.REJECTED, "closed"),
        (workflow.MERGED, "closed"),
    ],
)
def test_every_report_status_reads_as_open_or_closed(ours, theirs):
    assert open311.open311_status(ours) == theirs


def test_the_mapping_covers_every_report_status():
    assert set(open311.STATUS) == set(workflow.REPORT_STATUSES)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (NOW - 90 * DAY, NOW)),
        (NOW - 10 * DAY, None, (NOW - 10 * DAY, NOW)),
        (NOW - 200 * DAY, None, (NOW - 200 * DAY, NOW - 110 * DAY)),
        (None, NOW - DAY, (NOW - 91 * DAY, NOW - DAY)),
        (NOW - 90 * DAY, NOW, (NOW - 90 * DAY, NOW)),
    ],
)
def test_window(start, end, expected):
    assert open311.window(start, end, NOW) == expected


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (NOW - 91 * DAY, NOW, "the range may not span more than 90 days"),
        (NOW, NOW - DAY, "must not be before start_date"),
    ],
)
def test_window_refusals(start, end, reason):
    with pytest.raises(open311.QueryError) as caught:
        open311.window(start, end, NOW)
    assert (caught.value.field, caught.value.reason) == ("end_date", reason)


def test_status_filter():
    assert open311.statuses(None) is None
    assert open311.statuses("open") == open311.OURS["open"]
    assert open311.statuses("CLOSED") == open311.OURS["closed"]
    assert set(open311.statuses("open, closed")) == set(open311.STATUS)
    with pytest.raises(open311.QueryError):
        open311.statuses("open,pending")


def test_a_concern_is_never_placed_and_a_crime_only_roughly():
    assert open311.public_point("concern", 55.69612, 12.54549, 3) == (None, None)
    assert open311.public_point("crime", 55.69612, 12.54549, 3) == (55.696, 12.545)
    assert open311.public_point("crime", None, None, 3) == (None, None)


def test_the_schema_reads_every_question_of_the_definition():
    from meldecentral.schemas.open311 import AttributesSchema

    assert set(AttributesSchema().fields) == open311.ATTRIBUTE_CODES


def test_comma_list():
    assert open311.comma_list(" a, b,,c ") == ["a", "b", "c"]
    assert open311.comma_list("") == []
