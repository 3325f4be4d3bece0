"""Acknowledgement deadlines: when a unit must have acknowledged a report routed to it.

Urgent reports run on the clock (a threat at night cannot wait for the office to open); ordinary
ones run in working time, because the unit that must act on them only works office hours and
a deadline that falls in a night or on a holiday would make every such report "overdue" by
the time anyone could look at it.

Working time is computed on the local wall clock (Europe/Copenhagen by default) and converted to
UTC only at the end, so that "08:00" stays 08:00 on both sides of a daylight saving change.
Calendar ("on the clock") time is computed in UTC, so 4 hours are 4 real hours even across the
night the clocks change.

Days treated as non-working, besides Saturdays and Sundays:

- the Danish public holidays, as ``holidays.country_holidays("DK")`` returns them in its default
  (public) category: New Year's Day, Maundy Thursday, Good Friday, Easter Sunday, Easter Monday,
  Great Prayer Day (until 2023: abolished from 2024, which the library knows), Ascension Day,
  Whit Sunday, Whit Monday, Christmas Day and the Second Day of Christmas;
- Christmas Eve (24 December) and New Year's Eve (31 December): not public holidays in law, and
  the library lists them only in its "optional" category, but the municipality's offices (and so
  the units that acknowledge) are closed on both;
- Constitution Day (5 June) is a half day: not a public holiday, but public-sector agreements give
  the afternoon off, so working time that day ends at 12:00.

International Workers' Day (1 May) is an ordinary working day for the municipality as a whole
and is not excluded. A municipality changes any of this in its ``DeadlinePolicy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

DEFAULT_TZ = "Europe/Copenhagen"
CHILD_SCREENING = timedelta(hours=24)


@dataclass(frozen=True)
class Allowance:
    """How long a unit has: ``amount`` clock hours, or ``amount`` working days."""

    amount: float
    unit: Literal["clock_hours", "working_days"]

    def __post_init__(self) -> None:
        if self.unit not in ("clock_hours", "working_days"):
            raise ValueError(f"unknown allowance unit {self.unit!r}")
        if self.amount < 0:
            raise ValueError("an allowance cannot be negative")


def _demo_allowances() -> Mapping[str, Allowance]:
    return MappingProxyType(
        {
            "high": Allowance(4, "clock_hours"),
            "normal": Allowance(2, "working_days"),
            "low": Allowance(5, "working_days"),
        }
    )


@dataclass(frozen=True)
class DeadlinePolicy:
    """The demo policy of DOMAIN.md; every field can be changed by a municipality.

    ``closed_days`` and ``half_days`` are (month, day) pairs that recur every year on top of the
    country's public holidays; see the module docstring for why these three.
    """

    allowances: Mapping[str, Allowance] = field(default_factory=_demo_allowances)
    day_start: time = time(8)
    day_end: time = time(16)
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday to Friday
    country: str = "DK"
    closed_days: tuple[tuple[int, int], ...] = ((12, 24), (12, 31))
    half_days: tuple[tuple[int, int], ...] = ((6, 5),)
    half_day_end: time = time(12)

    def __post_init__(self) -> None:
        if not self.day_start < self.day_end:
            raise ValueError("the working day must start before it ends")
        if not self.day_start <= self.half_day_end <= self.day_end:
            raise ValueError("a half day must end within the working day")

    @property
    def hours_per_day(self) -> float:
        """A working day is a full day's working hours (8 in the demo)."""
        return _hours(_at(date.min, self.day_end) - _at(date.min, self.day_start))


DEMO_POLICY = DeadlinePolicy()


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def working_window(day: date, policy: DeadlinePolicy = DEMO_POLICY) -> tuple[time, time] | None:
    """The working hours of a local calendar day, or None if nobody works that day."""
    if day.weekday() not in policy.workdays:
        return None
    if day in _public_holidays(policy.country, day.year):
        return None
    if (day.month, day.day) in policy.closed_days:
        return None
    if (day.month, day.day) in policy.half_days:
        return (policy.day_start, policy.half_day_end)
    return (policy.day_start, policy.day_end)


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _local_wall(moment: datetime, tz: str) -> datetime:
    """``moment`` as a naive local wall-clock time (working time is counted on the wall clock)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("use an aware datetime")
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _to_utc(wall: datetime, tz: str) -> datetime:
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def add_working_hours(
    start: datetime,
    hours: float,
    *,
    tz: str = DEFAULT_TZ,
    policy: DeadlinePolicy | None = None,
) -> datetime:
    """The moment (aware, UTC) when ``hours`` working hours have passed since ``start``.

    A deadline that uses up a day's hours exactly ends at closing time that day, not at the next
    opening: "by 16:00 Tuesday" is what the unit expects to read.
    """
    policy = policy or DEMO_POLICY
    if hours < 0:
        raise ValueError("hours cannot be negative")
    cursor = _local_wall(start, tz)
    remaining = timedelta(hours=hours)
    day = cursor.date()
    # A year without a single working day would be a broken policy; stop instead of looping.
    for _ in range(366 * 5 + int(hours) * 2):
        window = working_window(day, policy)
        if window is not None:
            opens, closes = _at(day, window[0]), _at(day, window[1])
            begin = max(cursor, opens)
            if begin <= closes:
                if remaining <= closes - begin:
                    return _to_utc(begin + remaining, tz)
                remaining -= closes - begin
        day += timedelta(days=1)
        cursor = _at(day, time(0))
    raise ValueError("the deadline policy has no working days")


def working_hours_between(
    start: datetime,
    end: datetime,
    *,
    tz: str = DEFAULT_TZ,
    policy: DeadlinePolicy | None = None,
) -> float:
    """Working hours from ``start`` to ``end``; negative if ``end`` is before ``start``.

    Used to tell how far into (or past) its deadline a report is in the same currency the
    deadline was set in.
    """
    policy = policy or DEMO_POLICY
    a, b = _local_wall(start, tz), _local_wall(end, tz)
    if b < a:
        return -working_hours_between(end, start, tz=tz, policy=policy)
    total = timedelta()
    day = a.date()
    while day <= b.date():
        window = working_window(day, policy)
        if window is not None:
            begin = max(a, _at(day, window[0]))
            finish = min(b, _at(day, window[1]))
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return _hours(total)


def ack_deadline(
    created_at: datetime,
    urgency: str,
    *,
    tz: str = DEFAULT_TZ,
    policy: DeadlinePolicy | None = None,
) -> datetime:
    """When a report of ``urgency`` created at ``created_at`` must be acknowledged (aware UTC).

    Raises ValueError for an urgency the policy does not know: a silent default would hide a
    misconfigured category behind a plausible-looking deadline.
    """
    policy = policy or DEMO_POLICY
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError("use an aware datetime")
    try:
        allowance = policy.allowances[urgency]
    except (KeyError, TypeError):
        known = ", ".join(sorted(policy.allowances))
        raise ValueError(f"unknown urgency {urgency!r} (known: {known})") from None
    if allowance.unit == "clock_hours":
        return created_at.astimezone(UTC) + timedelta(hours=allowance.amount)
    return add_working_hours(
        created_at, allowance.amount * policy.hours_per_day, tz=tz, policy=policy
    )


def child_screening_deadline(created_at: datetime) -> datetime:
    """Children's services must screen a concern about a child within 24 hours, on the clock
    (nights, weekends and holidays included), whatever the report's urgency."""
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError("use an aware datetime")
    return created_at.astimezone(UTC) + CHILD_SCREENING
