"""Times as people read them: local time, and deadlines said plainly ("Due: today 14:30",
"overdue by 2 h")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(_tz()) if value is not None else None


def when(value: datetime | None) -> str:
    """A short local date and time, e.g. "3. dec. 2026 14:30"."""
    if value is None:
        return ""
    return format_datetime(value, "d. MMM y HH:mm")


def period_name(start: date, unit: str) -> str:
    """A month ("november 2026") or an ISO week ("week 48, 2026"), in the page's language."""
    if unit == "week":
        year, week, _day = start.isocalendar()
        return _("week %(week)s, %(year)s", week=week, year=year)
    return format_date(start, "LLLL y")


def exact(value: datetime | None) -> str:
    """A local date and time to the second, for logs, e.g. "3. dec. 2026 14:30:05"."""
    if value is None:
        return ""
    return format_datetime(value, "d. MMM y HH:mm:ss")


def span(delta: timedelta) -> str:
    """A rough length of time: minutes under an hour, hours under two days, else days."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return _("%(n)d min", n=minutes)
    if minutes < 48 * 60:
        return _("%(n)d h", n=minutes // 60)
    return _("%(n)d d", n=minutes // (24 * 60))


def deadline_text(deadline: datetime | None, now: datetime) -> str:
    """The acknowledgement deadline in words, relative to ``now`` on the local calendar."""
    if deadline is None:
        return ""
    if deadline <= now:
        return _("Overdue by %(span)s", span=span(now - deadline))
    due, today = local(deadline), local(now).date()
    clock = due.strftime("%H:%M")
    if due.date() == today:
        return _("Due: today %(time)s", time=clock)
    if due.date() == today + timedelta(days=1):
        return _("Due: tomorrow %(time)s", time=clock)
    return _("Due: %(when)s", when=format_datetime(deadline, "EEE d. MMM HH:mm"))


def is_overdue(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and deadline <= now
