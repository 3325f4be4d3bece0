"""The routing trace in the reader's language: the stored decision's conditions, rendered
through the catalogues with the municipality's own names for categories, districts and units.
The stored English ``explanation`` stays as it was written (the API and the log read it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meldecentral.services.reference import lookups
from meldecentral.web import labels
from meldecentral.web.common import category_label

TRIGGER = {
    "created": _l("New report"),
    "changed": _l("Report changed"),
}


@dataclass(frozen=True)
class TraceLine:
    when: Any
    trigger: str
    text: str
    rules: list[str]  # one sentence per matched rule
    units: list[str]  # names of the units this decision added


class Names:
    """Codes to the names a reader knows, looked up once per page (the report page's history
    uses the units' too); categories and districts only if a trace is shown."""

    def __init__(self, municipality_id: int):
        self.municipality_id = municipality_id
        self.units = {u.code: u.name for u in lookups.active_units(municipality_id)}

    @cached_property
    def categories(self) -> dict[str, str]:
        return {c.code: category_label(c) for c in lookups.active_categories(self.municipality_id)}

    @cached_property
    def districts(self) -> dict[int, str]:
        return {d.number: d.name for d in lookups.districts(self.municipality_id)}


def _condition(names: Names, condition: str, value: Any) -> str:
    if condition == "category":
        return _("category %(name)s", name=names.categories.get(value, value))
    if condition == "district":
        return _("district %(name)s", name=names.districts.get(value, value))
    if condition == "area":
        return _("inside the area “%(name)s”", name=value)
    if condition == "minor_involved":
        return _("a minor involved") if value else _("no minor involved")
    if condition == "housing_estate":
        return _("on a housing estate") if value else _("not on a housing estate")
    if condition == "person_named":
        return _("a person named") if value else _("no person named")
    if condition == "interpreter_needed":
        return _("an interpreter needed") if value else _("no interpreter needed")
    if condition == "interpreter_language":
        language = labels.label(labels.INTERPRETER_LANGUAGES, value)
        return _("an interpreter for %(language)s needed", language=language)
    if condition == "urgency":
        return _("urgency %(name)s", name=labels.label(labels.URGENCY, value).lower())
    if condition == "kind":
        return _("kind %(name)s", name=labels.label(labels.KIND, value).lower())
    if condition == "weekday":
        day = get_day_names("wide", locale=get_locale())[value]
        return _("on a %(day)s", day=day)
    if condition == "hours":
        return _(
            "between %(start)s and %(end)s", start=f"{value[0]:02d}:00", end=f"{value[1]:02d}:00"
        )
    return f"{condition} {value}"


def _and(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def _rule(names: Names, match: dict) -> str | None:
    conditions = match.get("conditions")
    if conditions is None:  # a decision stored before conditions were kept
        return None
    why = (
        _and([_condition(names, c, v) for c, v in conditions])
        if conditions
        else _("it applies to every report")
    )
    return _("Rule “%(name)s”: %(why)s", name=match.get("rule_name", ""), why=why)


def routing_trace(names: Names, decisions: Iterable) -> list[TraceLine]:
    out = []
    for d in decisions:
        units = [names.units.get(code, code) for code in d.units or []]
        added = [names.units.get(code, code) for code in d.added_units or []]
        matched = [m for m in d.matched or [] if "hotspot_id" not in m]
        chiefs = [
            _(
                "Inside the hotspot “%(name)s”: also to its chief, %(chief)s",
                name=m.get("hotspot_name", ""),
                chief=m.get("chief", ""),
            )
            for m in d.matched or []
            if "hotspot_id" in m
        ]
        rules = [_rule(names, m) for m in matched]
        if d.unrouted:
            text, rules = _("No rule matched: the report goes to the coordinators' queue."), []
        elif any(r is None for r in rules):
            text, rules = d.explanation, []  # older decision: its stored words
        else:
            text = _("Sent to %(units)s because:", units=", ".join(units))
        out.append(
            TraceLine(
                when=d.created_at,
                trigger=labels.label(TRIGGER, d.trigger),
                text=text,
                rules=[r for r in rules if r] + chiefs,
                units=added,
            )
        )
    return out
