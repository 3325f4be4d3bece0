"""The routing engine: which unit(s) receive a report, decided by rules kept as data.

A municipality edits its routing rules (YAML, JSON or database rows) without a release, so the
rules are plain dicts validated here into ``Rule`` objects, and every decision carries the
reasons in words: a coordinator who sees a report land with a unit must be able to tell why, and
a rule that routes wrongly must be easy to find.

Rules run in ``order`` (then id). A matching rule adds its units; with ``stop`` (the default) it
ends the evaluation, so more specific rules go first ("violence with a minor involved" before
"violence"). A rule with ``stop: false`` adds its units and lets later rules add theirs, e.g. a
temporary hotspot that copies its area's reports to the coordinators. A report that no rule
matches is unrouted: it goes to the coordinators' queue.

A rule's ``contact_units`` (some or all of its units) are the units that receive the reporter's
contact details: need-to-know, the units the rule says must reply to the reporter; the others
get the report without them (a coordinator may share the contact later).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely import errors as shapely_errors
from shapely import prepare
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from meldecentral.domain.reasons import N_, Reason

DEFAULT_TZ = "Europe/Copenhagen"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_LOOKUP = {name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name[:3].lower(): i for i, name in enumerate(WEEKDAY_NAMES)
}
UNROUTED_TEXT = "no rule matched: to the coordinators' queue"


class RuleError(ValueError):
    """A rule that cannot be used. The message names the rule (index and id) and the field, so
    that an administrator can find the mistake in a list of fifty rules."""

    def __init__(
        self,
        message: str,
        *,
        index: int | None = None,
        rule_id: Any = None,
        field: str | None = None,
    ):
        where = (index is not None, rule_id is not None, field is not None)
        self.detail = message if isinstance(message, Reason) else Reason(message)
        self.reason = (
            Reason(_WHERE[where], index=index, id=rule_id, field=field, detail=self.detail)
            if any(where)
            else self.detail
        )
        super().__init__(str(self.reason))
        self.index = index
        self.rule_id = rule_id
        self.field = field


# Where in the rule set a mistake is, by which of (index, id, field) are known.
_WHERE = {
    (True, True, True): N_("rule #%(index)d (id %(id)r) field %(field)r: %(detail)s"),
    (True, True, False): N_("rule #%(index)d (id %(id)r): %(detail)s"),
    (True, False, True): N_("rule #%(index)d field %(field)r: %(detail)s"),
    (True, False, False): N_("rule #%(index)d: %(detail)s"),
    (False, True, True): N_("(id %(id)r) field %(field)r: %(detail)s"),
    (False, True, False): N_("(id %(id)r): %(detail)s"),
    (False, False, True): N_("field %(field)r: %(detail)s"),
}


@dataclass(frozen=True)
class ReportFacts:
    """What the rules may look at: the routable facts of one report, nothing personal."""

    category: str
    district: int | None
    lat: float | None
    lon: float | None
    minor_involved: bool
    person_named: bool
    housing_estate: bool
    interpreter_language: str | None
    urgency: str
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class Rule:
    """One routing rule. Every condition is optional; a missing (None) condition matches any
    report. ``area`` is GeoJSON (Polygon or MultiPolygon, WGS 84 lon/lat); ``area_name`` is the
    name used in explanations (the rule's name if not given). ``hours`` is a local-time window
    [start, end) in whole hours; start > end runs overnight."""

    id: int | str
    name: str
    order: int
    units: tuple[str, ...]
    contact_units: tuple[str, ...] | None = None
    active: bool = True
    stop: bool = True
    categories: tuple[str, ...] | None = None
    districts: tuple[int, ...] | None = None
    area: Mapping[str, Any] | None = field(default=None, hash=False)
    area_name: str | None = None
    minor_involved: bool | None = None
    housing_estate: bool | None = None
    person_named: bool | None = None
    # The reporter needs an interpreter (any language), or one of these languages (ISO 639-1).
    interpreter_needed: bool | None = None
    interpreter_languages: tuple[str, ...] | None = None
    urgency: tuple[str, ...] | None = None
    kind: tuple[str, ...] | None = None
    weekdays: tuple[int, ...] | None = None
    hours: tuple[int, int] | None = None
    _shape: BaseGeometry | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.area is not None:
            object.__setattr__(self, "_shape", area_shape(self.area))


@dataclass(frozen=True)
class Match:
    """One rule that matched, with the conditions that made it match: ``facts`` in (English)
    words for the API and the log, ``conditions`` as ``(condition, value)`` pairs that pages
    render in the reader's language."""

    rule_id: int | str
    rule_name: str
    facts: tuple[str, ...]
    conditions: tuple[tuple[str, Any], ...] = ()

    def explain(self) -> str:
        why = _and_list(self.facts) if self.facts else "it applies to every report"
        return f"rule {self.rule_id} '{self.rule_name}': {why}"


@dataclass(frozen=True)
class Decision:
    """The units a report goes to and why. ``unrouted`` (no rule matched) sends it to the
    coordinators' queue; ``units`` is then empty."""

    units: tuple[str, ...]
    matched: tuple[Match, ...]
    unrouted: bool
    contact_units: tuple[str, ...] = ()  # of ``units``: those given the reporter's contact

    def explain(self) -> str:
        if self.unrouted:
            return UNROUTED_TEXT
        reasons = "; ".join(m.explain() for m in self.matched)
        return f"routed to {', '.join(self.units)} because {reasons}"


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# ---------------------------------------------------------------------------------------------
# Parsing


def area_shape(area: Mapping[str, Any]) -> BaseGeometry:
    """A prepared shapely geometry for a GeoJSON Polygon/MultiPolygon, or RuleError."""
    if not isinstance(area, Mapping) or area.get("type") not in ("Polygon", "MultiPolygon"):
        raise RuleError(N_("must be a GeoJSON Polygon or MultiPolygon"), field="area")
    try:
        geom = shape(area)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely_errors.ShapelyError,
    ) as exc:
        raise RuleError(
            Reason("invalid polygon (%(problem)s)", problem=str(exc)), field="area"
        ) from None
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
        raise RuleError(N_("the polygon is empty"), field="area")
    if not geom.is_valid:
        raise RuleError(N_("invalid polygon (it crosses itself or is not closed)"), field="area")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise RuleError(N_("coordinates must be [longitude, latitude] in degrees"), field="area")
    prepare(geom)
    return geom


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise RuleError(N_("must be a non-empty list of strings"), field=name)
    if not all(isinstance(v, str) and v for v in value):
        raise RuleError(N_("must be a non-empty list of strings"), field=name)
    return tuple(value)


def _ints(value: Any, name: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise RuleError(N_("must be a non-empty list of whole numbers"), field=name)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise RuleError(N_("must be a non-empty list of whole numbers"), field=name)
    return tuple(value)


def _weekdays(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise RuleError(N_("must be a non-empty list of weekdays (0=Monday)"), field="weekdays")
    days = []
    for v in value:
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 6:
            days.append(v)
        elif isinstance(v, str) and v.strip().lower() in _WEEKDAY_LOOKUP:
            days.append(_WEEKDAY_LOOKUP[v.strip().lower()])
        else:
            raise RuleError(
                Reason("unknown weekday %(day)r (use 0-6, 0=Monday)", day=v), field="weekdays"
            )
    return tuple(days)


def _hours(value: Any) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise RuleError(N_("must be [start_hour, end_hour]"), field="hours")
    start, end = value
    for v in value:
        if not isinstance(v, int) or isinstance(v, bool):
            raise RuleError(N_("hours must be whole numbers"), field="hours")
    if not 0 <= start <= 23 or not 0 <= end <= 24:
        raise RuleError(N_("start must be 0-23 and end 0-24"), field="hours")
    if start == end or (start, end) == (0, 24):
        raise RuleError(
            N_("start and end are the same: omit hours to match any time"), field="hours"
        )
    return (start, end)


def _flag(value: Any, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise RuleError(N_("must be true, false or absent"), field=name)
    return value


_CONVERTERS = {
    "categories": lambda v: _strings(v, "categories"),
    "districts": lambda v: _ints(v, "districts"),
    "urgency": lambda v: _strings(v, "urgency"),
    "kind": lambda v: _strings(v, "kind"),
    "weekdays": _weekdays,
    "hours": _hours,
    "minor_involved": lambda v: _flag(v, "minor_involved"),
    "housing_estate": lambda v: _flag(v, "housing_estate"),
    "person_named": lambda v: _flag(v, "person_named"),
    "interpreter_needed": lambda v: _flag(v, "interpreter_needed"),
    "interpreter_languages": lambda v: _strings(v, "interpreter_languages"),
}
_KEYS = [f.name for f in fields(Rule) if not f.name.startswith("_")]


def _parse_one(raw: Any, known_units: frozenset[str] | None) -> Rule:
    if not isinstance(raw, Mapping):
        raise RuleError(N_("a rule must be a mapping of field names to values"))
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        raise RuleError(
            Reason("unknown field (known: %(known)s)", known=", ".join(_KEYS)), field=unknown[0]
        )
    for required in ("id", "name", "order", "units"):
        if raw.get(required) is None:
            raise RuleError(N_("is required"), field=required)
    rule_id, name, order = raw["id"], raw["name"], raw["order"]
    if isinstance(rule_id, bool) or not isinstance(rule_id, int | str) or rule_id == "":
        raise RuleError(N_("must be a number or a non-empty text"), field="id")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(N_("must be a non-empty text"), field="name")
    if isinstance(order, bool) or not isinstance(order, int):
        raise RuleError(N_("must be a whole number"), field="order")
    units = _strings(raw["units"], "units")
    if known_units is not None:
        for unit in units:
            if unit not in known_units:
                raise RuleError(Reason("unknown unit %(code)r", code=unit), field="units")
    kwargs: dict[str, Any] = {"id": rule_id, "name": name, "order": order, "units": units}
    if raw.get("contact_units") is not None:
        contact = _strings(raw["contact_units"], "contact_units")
        strays = [u for u in contact if u not in units]
        if strays:
            raise RuleError(
                Reason("%(code)r is not one of the rule's units", code=strays[0]),
                field="contact_units",
            )
        kwargs["contact_units"] = contact
    for key in ("active", "stop"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise RuleError(N_("must be true or false"), field=key)
            kwargs[key] = raw[key]
    for key, convert in _CONVERTERS.items():
        if raw.get(key) is not None:
            kwargs[key] = convert(raw[key])
    if raw.get("area") is not None:
        area_shape(raw["area"])  # validate before copying
        kwargs["area"] = copy.deepcopy(dict(raw["area"]))
    if raw.get("area_name") is not None:
        if not isinstance(raw["area_name"], str) or not raw["area_name"].strip():
            raise RuleError(N_("must be a non-empty text"), field="area_name")
        kwargs["area_name"] = raw["area_name"]
    return Rule(**kwargs)


def parse_rules(data: Any, *, known_units: Sequence[str] | None = None) -> list[Rule]:
    """Validate a list of rule dicts. ``known_units`` (the unit catalogue), when given, refuses
    a rule that routes to a unit that does not exist: such a report would reach nobody."""
    if not isinstance(data, list | tuple):
        raise RuleError(N_("the rules must be a list"))
    units = frozenset(known_units) if known_units is not None else None
    rules: list[Rule] = []
    seen: set[Any] = set()
    for index, raw in enumerate(data):
        rule_id = raw.get("id") if isinstance(raw, Mapping) else None
        try:
            rule = _parse_one(raw, units)
        except RuleError as exc:
            raise RuleError(exc.detail, index=index, rule_id=rule_id, field=exc.field) from None
        if rule.id in seen:
            raise RuleError(
                N_("another rule has the same id"), index=index, rule_id=rule_id, field="id"
            )
        seen.add(rule.id)
        rules.append(rule)
    return rules


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The rule as plain data (lists, not tuples), omitting conditions that are not set, so that
    ``parse_rules([rule_to_dict(r)]) == [r]``."""
    out: dict[str, Any] = {}
    for name in _KEYS:
        value = getattr(rule, name)
        if value is None:
            continue
        if name == "area":
            value = copy.deepcopy(dict(value))
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


# ---------------------------------------------------------------------------------------------
# Evaluation


def _in_hours(hour: int, window: tuple[int, int]) -> bool:
    start, end = window
    return start <= hour < end if start < end else hour >= start or hour < end


def _match(rule: Rule, facts: ReportFacts, local: datetime) -> list[tuple[str, Any]] | None:
    """The conditions of ``rule`` that ``facts`` meet, as ``(condition, value)``; None if one
    is not met."""
    met: list[tuple[str, Any]] = []
    if rule.categories is not None:
        if facts.category not in rule.categories:
            return None
        met.append(("category", facts.category))
    if rule.districts is not None:
        if facts.district not in rule.districts:
            return None
        met.append(("district", facts.district))
    if rule._shape is not None:
        if facts.lat is None or facts.lon is None:
            return None
        if not rule._shape.covers(Point(facts.lon, facts.lat)):
            return None
        met.append(("area", rule.area_name or rule.name))
    for flag in ("minor_involved", "housing_estate", "person_named"):
        wanted = getattr(rule, flag)
        if wanted is not None:
            if getattr(facts, flag) != wanted:
                return None
            met.append((flag, wanted))
    if rule.interpreter_needed is not None:
        if (facts.interpreter_language is not None) != rule.interpreter_needed:
            return None
        met.append(("interpreter_needed", rule.interpreter_needed))
    if rule.interpreter_languages is not None:
        if facts.interpreter_language not in rule.interpreter_languages:
            return None
        met.append(("interpreter_language", facts.interpreter_language))
    if rule.urgency is not None:
        if facts.urgency not in rule.urgency:
            return None
        met.append(("urgency", facts.urgency))
    if rule.kind is not None:
        if facts.kind not in rule.kind:
            return None
        met.append(("kind", facts.kind))
    if rule.weekdays is not None:
        if local.weekday() not in rule.weekdays:
            return None
        met.append(("weekday", local.weekday()))
    if rule.hours is not None:
        if not _in_hours(local.hour, rule.hours):
            return None
        met.append(("hours", (rule.hours[0], rule.hours[1] % 24)))
    return met


_FLAG_WORDS = {
    "minor_involved": ("a minor involved", "no minor involved"),
    "housing_estate": ("on a housing estate", "not on a housing estate"),
    "person_named": ("a person named", "no person named"),
    "interpreter_needed": ("an interpreter needed", "no interpreter needed"),
}


def condition_words(condition: str, value: Any) -> str:
    """One met condition in English words (the API's and the log's trace)."""
    if condition in _FLAG_WORDS:
        yes, no = _FLAG_WORDS[condition]
        return yes if value else no
    if condition == "area":
        return f"inside area '{value}'"
    if condition == "interpreter_language":
        return f"an interpreter for {value} needed"
    if condition == "weekday":
        return f"on a {WEEKDAY_NAMES[value]}"
    if condition == "hours":
        return f"between {value[0]:02d}:00 and {value[1]:02d}:00"
    return f"{condition} {value}"


def _sort_key(rule: Rule) -> tuple[int, int, int | str]:
    # Numeric ids sort numerically and before text ids, so that mixed ids never fail to compare.
    return (rule.order, 0, rule.id) if isinstance(rule.id, int) else (rule.order, 1, rule.id)


def decide(rules: Sequence[Rule], facts: ReportFacts, *, tz: str = DEFAULT_TZ) -> Decision:
    """Route ``facts`` through ``rules``. Weekday and hour conditions are read on the local
    (Copenhagen) clock of the report's creation, as the people who write the rules think."""
    if facts.created_at.tzinfo is None or facts.created_at.utcoffset() is None:
        raise ValueError("created_at must be an aware datetime")
    local = facts.created_at.astimezone(ZoneInfo(tz))
    units: list[str] = []
    contact: list[str] = []
    matched: list[Match] = []
    for rule in sorted((r for r in rules if r.active), key=_sort_key):
        met = _match(rule, facts, local)
        if met is None:
            continue
        words = tuple(condition_words(c, v) for c, v in met)
        matched.append(Match(rule.id, rule.name, words, tuple(met)))
        units.extend(u for u in rule.units if u not in units)
        contact.extend(u for u in rule.contact_units or () if u not in contact)
        if rule.stop:
            break
    return Decision(
        units=tuple(units),
        matched=tuple(matched),
        unrouted=not matched,
        contact_units=tuple(contact),
    )
