"""Open311 GeoReport v2 as data: how our statuses read as open/closed, the questions a
service definition asks (the report's flags), and the rules of the requests query (the
spec's 90-day window, comma lists). Pure: the services and the door read these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from meldecentral.domain import workflow
from meldecentral.domain.reasons import N_

OPEN, CLOSED = "open", "closed"
# Our report statuses as Open311 reads them: a report is open until it is resolved, rejected
# or merged into another.
STATUS = {
    workflow.RECEIVED: OPEN,
    workflow.TRIAGED: OPEN,
    workflow.ROUTED: OPEN,
    workflow.IN_PROGRESS: OPEN,
    workflow.RESOLVED: CLOSED,
    workflow.REJECTED: CLOSED,
    workflow.MERGED: CLOSED,
}
OURS = {
    OPEN: tuple(s for s, o in STATUS.items() if o == OPEN),
    CLOSED: tuple(s for s, o in STATUS.items() if o == CLOSED),
}

MAX_WINDOW = timedelta(days=90)  # "may not span more than 90 days" (GET requests)
MAX_IDS = 100  # service_request_id=1,2,...: more is a bulk export, not a look-up


def open311_status(status: str) -> str:
    return STATUS[status]


@dataclass(frozen=True)
class Attribute:
    """One question of a service definition (GeoReport v2 "attribute"): ``code`` is the name
    the client sends back as ``attribute[code]``, and the report field it fills."""

    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    description: str  # English, marked for the catalogues
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the lists


YES_NO = (("true", N_("Yes")), ("false", N_("No")))

# The same questions the report form asks, in its order; every category asks all of them
# (the 112 guard reads happening_now and child_in_danger whatever the category).
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "happening_now",
        "singlevaluelist",
        N_("Is it happening right now? If someone is in danger, call 112 instead."),
        values=YES_NO,
    ),
    Attribute("child_in_danger", "singlevaluelist", N_("Is a child in danger?"), values=YES_NO),
    Attribute(
        "minor_involved",
        "singlevaluelist",
        N_("Is someone under 18 involved?"),
        values=YES_NO,
    ),
    Attribute(
        "person_named", "singlevaluelist", N_("Does the report name a person?"), values=YES_NO
    ),
    Attribute(
        "housing_estate",
        "singlevaluelist",
        N_("Is it on a housing estate?"),
        values=YES_NO,
    ),
    Attribute(
        "interpreter_language",
        "string",
        N_("An interpreter is needed: the language code (for example ar, so, tr)."),
    ),
    Attribute(
        "language",
        "string",
        N_("The language the report is written in (for example da, en)."),
    ),
    Attribute(
        "confirm_not_emergency",
        "singlevaluelist",
        N_(
            "Nobody is in danger right now. Asked when the description names violence, "
            "weapons or fire: send the request again with true."
        ),
        values=YES_NO,
    ),
)
ATTRIBUTE_CODES = frozenset(a.code for a in ATTRIBUTES)
FLAG_CODES = frozenset(a.code for a in ATTRIBUTES if a.values == YES_NO)


class QueryError(ValueError):
    """A refused query parameter: ``field`` and the reason, for the spec's error list."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def comma_list(value: str | None) -> list[str]:
    """``a,b, c`` as ['a', 'b', 'c']; the spec's way of asking for several values."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The requested_datetime range of a requests query: without dates the last 90 days;
    one date alone reaches 90 days from it; both may not span more than 90 days."""
    if start is not None and end is not None:
        if end < start:
            raise QueryError("end_date", N_("must not be before start_date"))
        if end - start > MAX_WINDOW:
            raise QueryError("end_date", N_("the range may not span more than 90 days"))
        return start, end
    if start is not None:
        return start, min(start + MAX_WINDOW, max(now, start))
    if end is not None:
        return end - MAX_WINDOW, end
    return now - MAX_WINDOW, now


def statuses(value: str | None) -> tuple[str, ...] | None:
    """Our statuses for ``status=open``, ``closed`` or ``open,closed``; None for all."""
    asked = comma_list(value)
    if not asked:
        return None
    unknown = [s for s in asked if s.lower() not in OURS]
    if unknown:
        raise QueryError("status", N_("open or closed"))
    return tuple(s for name in dict.fromkeys(a.lower() for a in asked) for s in OURS[name])


def public_point(
    kind: str, lat: float | None, lon: float | None, decimals: int
) -> tuple[float | None, float | None]:
    """Where a report may be shown to anyone: a crime's point rounded to ``decimals`` (3 is
    about 100 m), never a concern's, which is about a person (a child, a family) whose home
    the point could be."""
    if kind != "crime" or lat is None or lon is None:
        return None, None
    return round(lat, decimals), round(lon, decimals)
