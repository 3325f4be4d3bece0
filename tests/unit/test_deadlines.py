"""Acknowledgement deadlines against hand-computed expectations.

Every expected value below was worked out by hand from the calendar (Copenhagen is UTC+1 in
winter, UTC+2 in summer; 2027 switches on 28 March and 31 October) and is written as UTC, so a
mistake in the time-zone handling cannot cancel itself out.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meldecentral.domain.deadlines import (
    Allowance,
    DeadlinePolicy,
    ack_deadline,
    child_screening_deadline,
    working_hours_between,
    working_window,
)

CPH = ZoneInfo("Europe/Copenhagen")


def cph(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CPH)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# (why, created (local), urgency, expected (UTC))
CASES = [
    # Wed 10:00 + 16 h: Wed 6 h, Thu 8 h, Fri 08-10.
    ("weekday morning, normal", cph(2027, 2, 3, 10), "normal", utc(2027, 2, 5, 9)),
    # Wed 6, Thu 8, Fri 8, Mon 8, Tue 8 = 38 h; Wed 08-10.
    ("weekday morning, low", cph(2027, 2, 3, 10), "low", utc(2027, 2, 10, 9)),
    # Counting starts at opening: Wed 08-16, Thu 08-16.
    ("before opening", cph(2027, 2, 3, 7, 15), "normal", utc(2027, 2, 4, 15)),
    # Counting starts Thu 08:00: Thu and Fri in full, ends at closing, not Monday 08:00.
    ("weekday evening", cph(2027, 2, 3, 20), "normal", utc(2027, 2, 5, 15)),
    ("at closing time", cph(2027, 2, 3, 16), "normal", utc(2027, 2, 5, 15)),
    # Counting starts Mon 08:00: Mon and Tue in full.
    ("Friday evening over a weekend", cph(2027, 2, 5, 20), "normal", utc(2027, 2, 9, 15)),
    # Fri 1 h, Mon 8 h, Tue 08-15.
    ("Friday afternoon", cph(2027, 2, 5, 15), "normal", utc(2027, 2, 9, 14)),
    # Mon-Fri in full.
    ("Saturday, low", cph(2027, 2, 6, 11), "low", utc(2027, 2, 12, 15)),
    # Wed 6 h; Thu 25 (Maundy Thursday), Fri 26 (Good Friday), weekend, Mon 29 (Easter Monday)
    # closed; Tue 30 8 h (now CEST); Wed 31 08-10 CEST.
    ("Easter", cph(2027, 3, 24, 10), "normal", utc(2027, 3, 31, 8)),
    # Wed 1 h, Tue 30 8, Wed 31 8, Thu 1 Apr 8, Fri 2 Apr 8 = 33 h; Mon 5 Apr 08-15 CEST.
    ("Easter, low", cph(2027, 3, 24, 15), "low", utc(2027, 4, 5, 13)),
    # Thu 23 Dec 4 h; Fri 24 (Christmas Eve) closed, weekend; Mon 27 8 h; Tue 28 08-12.
    ("Christmas", cph(2027, 12, 23, 12), "normal", utc(2027, 12, 28, 11)),
    # Wed 22 7 h, Thu 23 8, Mon 27 8, Tue 28 8, Wed 29 8 = 39 h; Thu 30 08-09.
    ("Christmas, low", cph(2027, 12, 22, 9), "low", utc(2027, 12, 30, 8)),
    # Thu 30 Dec 2 h; Fri 31 (New Year's Eve) closed, Sat 1 Jan 2028, Sun; Mon 3 Jan 8 h; Tue 4
    # Jan 08-14.
    ("New Year", cph(2027, 12, 30, 14), "normal", utc(2028, 1, 4, 13)),
    # Fri 5 June 2026 (Constitution Day) counts 08-12 only: Thu 2 h, Fri 4, Mon 8, Tue 08-10 CEST.
    ("Constitution Day half day", cph(2026, 6, 4, 14), "normal", utc(2026, 6, 9, 8)),
    # Great Prayer Day (Fri 5 May 2023) was a holiday: Thu 6 h, Mon 8, Tue 08-10 CEST.
    ("Great Prayer Day 2023", cph(2023, 5, 4, 10), "normal", utc(2023, 5, 9, 8)),
    # ... and was abolished from 2024: Fri 26 April 2024 is a working day. Thu 6, Fri 8, Mon 08-10.
    ("no Great Prayer Day 2024", cph(2024, 4, 25, 10), "normal", utc(2024, 4, 29, 8)),
    # High urgency runs on the clock: 22:30 CET + 4 h = 02:30 CET = 01:30 UTC.
    ("high over a night", cph(2027, 2, 3, 22, 30), "high", utc(2027, 2, 4, 1, 30)),
    ("high on Good Friday", cph(2027, 3, 26, 14), "high", utc(2027, 3, 26, 17)),
    # DST starts Sun 28 Mar 2027 at 02:00 CET: 01:30 CET is 00:30 UTC; 4 real hours later is
    # 04:30 UTC (06:30 CEST on the wall clock, 5 wall-clock hours later).
    ("high, spring DST night", cph(2027, 3, 28, 1, 30), "high", utc(2027, 3, 28, 4, 30)),
    # Sat 27 Mar (CET) over the DST change and Easter Monday: Tue 30 and Wed 31 in full, 16:00
    # CEST is 14:00 UTC.
    ("normal, spring DST weekend", cph(2027, 3, 27, 12), "normal", utc(2027, 3, 31, 14)),
    # DST ends Sun 31 Oct 2027 at 03:00 CEST: Fri 29 Oct 14:00 CEST, 2 h; Mon 1 Nov 8 h;
    # Tue 2 Nov 08-14 CET = 13:00 UTC.
    ("normal, autumn DST weekend", cph(2027, 10, 29, 14), "normal", utc(2027, 11, 2, 13)),
    # 01:30 CEST on 31 Oct is 23:30 UTC on 30 Oct; 4 real hours later is 03:30 UTC (04:30 CET).
    ("high, autumn DST night", cph(2027, 10, 31, 1, 30), "high", utc(2027, 10, 31, 3, 30)),
    # An input in UTC is read as Copenhagen time: 09:00 UTC is 10:00 CET (first case).
    ("created given in UTC", utc(2027, 2, 3, 9), "normal", utc(2027, 2, 5, 9)),
]


@pytest.mark.parametrize(
    ("created", "urgency", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_ack_deadline(created, urgency, expected):
    result = ack_deadline(created, urgency)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (cph(2027, 2, 3, 10), cph(2027, 2, 5, 10), 16.0),
        (cph(2027, 2, 5, 20), cph(2027, 2, 8, 9, 30), 1.5),
        (cph(2027, 2, 8, 9, 30), cph(2027, 2, 5, 20), -1.5),
        (cph(2027, 2, 3, 17), cph(2027, 2, 4, 7), 0.0),
        (cph(2027, 3, 24, 10), cph(2027, 3, 31, 10), 16.0),  # over Easter and DST
        (cph(2027, 12, 23, 8), cph(2027, 12, 28, 8), 16.0),  # Thu, (Fri 24 closed), Mon
        (cph(2026, 6, 5, 0), cph(2026, 6, 6, 0), 4.0),  # Constitution Day half day
    ],
)
def test_working_hours_between(start, end, hours):
    assert working_hours_between(start, end) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("created", "urgency"),
    [(case[1], case[2]) for case in CASES if case[2] != "high"],
)
def test_working_deadlines_are_whole_working_days(created, urgency):
    days = {"normal": 2, "low": 5}[urgency]
    assert working_hours_between(created, ack_deadline(created, urgency)) == days * 8


@pytest.mark.parametrize(
    ("day", "window"),
    [
        ((2027, 3, 25), None),  # Maundy Thursday
        ((2027, 3, 26), None),  # Good Friday
        ((2027, 3, 29), None),  # Easter Monday
        ((2027, 5, 6), None),  # Ascension Day
        ((2027, 5, 17), None),  # Whit Monday
        ((2027, 12, 24), None),  # Christmas Eve (offices closed)
        ((2027, 12, 31), None),  # New Year's Eve (offices closed)
        ((2027, 1, 1), None),  # New Year's Day
        ((2027, 2, 6), None),  # a Saturday
        ((2027, 5, 1), None),  # Workers' Day 2027 is a Saturday anyway
        ((2026, 5, 1), ("08:00", "16:00")),  # Workers' Day on a Friday is a working day
        ((2026, 6, 5), ("08:00", "12:00")),  # Constitution Day
        ((2027, 2, 3), ("08:00", "16:00")),
    ],
)
def test_working_window(day, window):
    result = working_window(date(*day))
    if window is None:
        assert result is None
    else:
        assert result is not None
        assert tuple(t.strftime("%H:%M") for t in result) == window


@pytest.mark.parametrize("urgency", ["urgent", "", "HIGH", None])
def test_unknown_urgency_is_refused(urgency):
    with pytest.raises(ValueError, match="urgency"):
        ack_deadline(cph(2027, 2, 3, 10), urgency)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        ack_deadline(datetime(2027, 2, 3, 10), "normal")
    with pytest.raises(ValueError, match="aware"):
        child_screening_deadline(datetime(2027, 2, 3, 10))


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        # Christmas Eve evening: 24 hours on the clock, holidays included.
        (cph(2027, 12, 24, 18), utc(2027, 12, 25, 17)),
        # Over the spring DST change: 11:00 UTC + 24 h (13:00 CEST on the wall clock).
        (cph(2027, 3, 27, 12), utc(2027, 3, 28, 11)),
    ],
)
def test_child_screening_deadline(created, expected):
    assert child_screening_deadline(created) == expected


def test_policy_can_be_changed():
    # A municipality that gives normal reports 1 working day and keeps Christmas Eve open.
    policy = DeadlinePolicy(
        allowances={"high": Allowance(2, "clock_hours"), "normal": Allowance(1, "working_days")},
        closed_days=(),
    )
    assert ack_deadline(cph(2027, 2, 3, 22), "high", policy=policy) == utc(2027, 2, 3, 23)
    # Fri 24 Dec 2027 12:00: 4 h that day, Mon 27 08-12 CET.
    assert ack_deadline(cph(2027, 12, 24, 12), "normal", policy=policy) == utc(2027, 12, 27, 11)
    with pytest.raises(ValueError, match="urgency"):
        ack_deadline(cph(2027, 2, 3, 10), "low", policy=policy)
