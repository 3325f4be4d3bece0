"""The routing engine, over the demo rules file and over small rule sets built for one point."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

import meldecentral
from meldecentral.domain.routing import (
    Decision,
    ReportFacts,
    Rule,
    RuleError,
    decide,
    parse_rules,
    rule_to_dict,
)

DATA = Path(meldecentral.__file__).parent / "data"
CPH = ZoneInfo("Europe/Copenhagen")
UNITS = ["POLICE", "SSP", "HOUSING", "VINK", "BBU", "MEDIATION", "COORD"]
INSIDE_MJOLNERPARKEN = {"lat": 55.702, "lon": 12.544}
OUTSIDE_MJOLNERPARKEN = {"lat": 55.676, "lon": 12.568}  # Rådhuspladsen


def load_demo_rules() -> list[Rule]:
    data = yaml.safe_load((DATA / "routing_rules.yaml").read_text(encoding="utf-8"))
    return parse_rules(data, known_units=UNITS)


DEMO = load_demo_rules()


def facts(category: str = "VOLD", **changes) -> ReportFacts:
    base = ReportFacts(
        category=category,
        district=3,
        lat=None,
        lon=None,
        minor_involved=False,
        person_named=False,
        housing_estate=False,
        interpreter_language=None,
        urgency="normal",
        kind="crime",
        created_at=datetime(2027, 2, 3, 10, tzinfo=CPH),  # a Wednesday morning
    )
    return replace(base, **changes)


def rule(id, order=10, units=("COORD",), **conditions) -> dict:
    return {"id": id, "name": f"rule {id}", "order": order, "units": list(units), **conditions}


# (category, flags, expected units, id of the deciding rule)
DEMO_TABLE = [
    ("VOLD", {}, ("POLICE",), 11),
    ("VOLD", {"minor_involved": True}, ("POLICE", "SSP"), 10),
    ("VOLD", {"housing_estate": True}, ("POLICE",), 11),
    ("VAABEN", {}, ("POLICE", "SSP"), 20),
    ("VAABEN", {"minor_involved": True, "housing_estate": True}, ("POLICE", "SSP"), 20),
    ("ILD", {}, ("POLICE",), 31),
    ("ILD", {"housing_estate": True}, ("POLICE", "HOUSING"), 30),
    ("ILD", {"minor_involved": True}, ("POLICE",), 31),
    ("HAERVAERK", {}, ("POLICE",), 41),
    ("HAERVAERK", {"housing_estate": True}, ("HOUSING",), 40),
    ("HAERVAERK", {"minor_involved": True}, ("POLICE",), 41),
    ("TYVERI", {}, ("POLICE",), 50),
    ("TYVERI", {"minor_involved": True, "housing_estate": True}, ("POLICE",), 50),
    ("NARKO", {}, ("POLICE",), 61),
    ("NARKO", {"minor_involved": True}, ("POLICE", "SSP"), 60),
    ("NARKO", {"housing_estate": True}, ("POLICE",), 61),
    ("GRUPPE", {}, ("SSP", "POLICE"), 70),
    ("GRUPPE", {"minor_involved": True, "housing_estate": True}, ("SSP", "POLICE"), 70),
    ("HAD", {}, ("POLICE",), 80),
    ("HAD", {"person_named": True}, ("POLICE",), 80),
    ("UNG", {}, ("SSP", "BBU"), 90),
    ("UNG", {"minor_involved": True}, ("SSP", "BBU"), 90),
    ("UNG_PLUS", {}, ("SSP",), 91),
    ("RADIK", {}, ("VINK",), 100),
    ("RADIK", {"minor_involved": True}, ("VINK",), 100),
    ("FAMILIE", {}, ("BBU",), 110),
    ("FAMILIE", {"minor_involved": True, "housing_estate": True}, ("BBU",), 110),
    ("MISBRUG", {}, ("COORD",), 121),
    ("MISBRUG", {"minor_involved": True}, ("SSP",), 120),
    ("MISBRUG", {"housing_estate": True}, ("COORD",), 121),
    ("UTRYG", {}, ("COORD",), 131),
    ("UTRYG", {"housing_estate": True}, ("COORD", "HOUSING"), 130),
    ("UTRYG", {"minor_involved": True}, ("COORD",), 131),
    ("DISKRIM", {}, ("COORD",), 140),
    ("NABO", {}, ("HOUSING",), 150),
    ("NABO", {"housing_estate": True}, ("HOUSING",), 150),
    ("KONFLIKT", {}, ("MEDIATION",), 161),
    ("KONFLIKT", {"housing_estate": True}, ("MEDIATION", "HOUSING"), 160),
    ("KONFLIKT", {"minor_involved": True}, ("MEDIATION",), 161),
    ("BEHOV", {}, ("COORD",), 170),
]


@pytest.mark.parametrize(
    ("category", "flags", "units", "rule_id"),
    DEMO_TABLE,
    ids=[f"{c}-{'+'.join(f) or 'plain'}" for c, f, _, _ in DEMO_TABLE],
)
def test_demo_rules(category, flags, units, rule_id):
    decision = decide(DEMO, facts(category, **flags))
    assert decision.units == units
    assert not decision.unrouted
    assert [m.rule_id for m in decision.matched] == [rule_id]
    name = next(r.name for r in DEMO if r.id == rule_id)
    assert f"rule {rule_id} '{name}'" in decision.explain()
    assert decision.explain().startswith(f"routed to {', '.join(units)} because ")


def test_demo_table_covers_every_category_of_the_demo_configuration():
    demo = yaml.safe_load((DATA / "demo.yaml").read_text(encoding="utf-8"))
    codes = {c["code"] for c in demo["categories"]}
    assert {row[0] for row in DEMO_TABLE} == codes
    # Without flags, the rules give the plain default units of the demo configuration.
    for code, default_units in demo["default_units"].items():
        assert decide(DEMO, facts(code)).units == tuple(default_units), code


# (rule conditions, the report's interpreter language, matches?)
INTERPRETER_TABLE = [
    ({"interpreter_needed": True}, "ar", True),
    ({"interpreter_needed": True}, None, False),
    ({"interpreter_needed": False}, None, True),
    ({"interpreter_needed": False}, "so", False),
    ({"interpreter_languages": ["ar", "so"]}, "so", True),
    ({"interpreter_languages": ["ar", "so"]}, "tr", False),
    ({"interpreter_languages": ["ar"]}, None, False),
]


@pytest.mark.parametrize(("conditions", "language", "matches"), INTERPRETER_TABLE)
def test_the_interpreter_need_is_a_condition(conditions, language, matches):
    rules = parse_rules([rule(1, units=("COORD",), **conditions)])
    decision = decide(rules, facts(interpreter_language=language))
    assert decision.unrouted is not matches


def test_the_demo_tells_the_coordinators_when_an_interpreter_is_needed():
    """A rule that lets the category's own rule add its units (stop: false)."""
    decision = decide(DEMO, facts("NABO", interpreter_language="ar"))
    assert decision.units == ("COORD", "HOUSING")
    assert decision.matched[0].facts == ("an interpreter needed",)
    assert decision.matched[0].conditions == (("interpreter_needed", True),)
    one = decide(
        parse_rules([rule(1, interpreter_languages=["so"])]), facts(interpreter_language="so")
    )
    assert one.matched[0].facts == ("an interpreter for so needed",)


def test_interpreter_conditions_are_checked():
    with pytest.raises(RuleError, match="interpreter_needed"):
        parse_rules([rule(1, interpreter_needed="yes")])
    with pytest.raises(RuleError, match="interpreter_languages"):
        parse_rules([rule(1, interpreter_languages=[])])


def test_explain_names_the_conditions():
    decision = decide(DEMO, facts("VOLD", minor_involved=True))
    assert decision.explain() == (
        "routed to POLICE, SSP because rule 10 'Violence, a minor involved': "
        "category VOLD and a minor involved"
    )
    decision = decide(DEMO, facts("UTRYG", housing_estate=True))
    assert decision.matched[0].facts == ("category UTRYG", "on a housing estate")


def test_unknown_category_is_unrouted():
    decision = decide(DEMO, facts("UKENDT"))
    assert decision == Decision(units=(), matched=(), unrouted=True)
    assert decision.explain() == "no rule matched: to the coordinators' queue"


def test_hotspot_rule_is_inactive_in_the_demo():
    decision = decide(DEMO, facts("VOLD", **INSIDE_MJOLNERPARKEN))
    assert decision.units == ("POLICE",)
    assert [m.rule_id for m in decision.matched] == [11]


def test_hotspot_rule_when_active_adds_coord_and_continues():
    rules = [replace(r, active=True) if r.id == 1 else r for r in DEMO]
    inside = decide(rules, facts("VOLD", minor_involved=True, **INSIDE_MJOLNERPARKEN))
    assert inside.units == ("COORD", "POLICE", "SSP")
    assert [m.rule_id for m in inside.matched] == [1, 10]
    assert inside.matched[0].facts == ("inside area 'Mjølnerparken'",)
    assert "rule 1 'Hotspot Mjølnerparken (temporary)': inside area 'Mjølnerparken'; rule 10" in (
        inside.explain()
    )
    outside = decide(rules, facts("VOLD", **OUTSIDE_MJOLNERPARKEN))
    assert outside.units == ("POLICE",)
    no_point = decide(rules, facts("VOLD"))
    assert no_point.units == ("POLICE",)


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[12.5, 55.6], [12.6, 55.6], [12.6, 55.7], [12.5, 55.7], [12.5, 55.6]]],
}
TWO_SQUARES = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[12.0, 55.0], [12.1, 55.0], [12.1, 55.1], [12.0, 55.1], [12.0, 55.0]]],
        [[[12.5, 55.6], [12.6, 55.6], [12.6, 55.7], [12.5, 55.7], [12.5, 55.6]]],
    ],
}


@pytest.mark.parametrize(
    ("area", "lat", "lon", "matches"),
    [
        (SQUARE, 55.65, 12.55, True),
        (SQUARE, 55.6, 12.55, True),  # on the edge counts as inside
        (SQUARE, 55.75, 12.55, False),
        (SQUARE, 12.55, 55.65, False),  # lat and lon swapped
        (SQUARE, None, None, False),  # no point: an area rule cannot match
        (SQUARE, 55.65, None, False),
        (TWO_SQUARES, 55.05, 12.05, True),
        (TWO_SQUARES, 55.65, 12.55, True),
        (TWO_SQUARES, 55.3, 12.3, False),
    ],
)
def test_area(area, lat, lon, matches):
    rules = parse_rules([rule(1, area=area, area_name="Test")])
    decision = decide(rules, facts(lat=lat, lon=lon))
    assert decision.unrouted is not matches
    if matches:
        assert decision.matched[0].facts == ("inside area 'Test'",)


def test_area_without_a_name_is_named_after_the_rule():
    rules = parse_rules([rule(1, area=SQUARE)])
    assert decide(rules, facts(lat=55.65, lon=12.55)).matched[0].facts == ("inside area 'rule 1'",)


@pytest.mark.parametrize(
    ("hours", "local", "matches"),
    [
        ((22, 6), (2027, 2, 3, 23, 0), True),
        ((22, 6), (2027, 2, 3, 22, 0), True),
        ((22, 6), (2027, 2, 4, 5, 59), True),
        ((22, 6), (2027, 2, 4, 6, 0), False),
        ((22, 6), (2027, 2, 3, 21, 59), False),
        ((22, 6), (2027, 2, 3, 12, 0), False),
        ((8, 16), (2027, 2, 3, 8, 0), True),
        ((8, 16), (2027, 2, 3, 15, 59), True),
        ((8, 16), (2027, 2, 3, 16, 0), False),
        ((20, 24), (2027, 2, 3, 23, 30), True),
        ((20, 24), (2027, 2, 4, 0, 30), False),
    ],
)
def test_hours(hours, local, matches):
    rules = parse_rules([rule(1, hours=list(hours))])
    decision = decide(rules, facts(created_at=datetime(*local, tzinfo=CPH)))
    assert decision.unrouted is not matches


def test_hours_are_read_on_the_copenhagen_clock():
    rules = parse_rules([rule(1, hours=[22, 6])])
    # 20:30 UTC is 22:30 CEST in summer (matches) but 21:30 CET in winter (does not).
    summer = decide(rules, facts(created_at=datetime(2027, 7, 1, 20, 30, tzinfo=UTC)))
    winter = decide(rules, facts(created_at=datetime(2027, 2, 1, 20, 30, tzinfo=UTC)))
    assert summer.matched[0].facts == ("between 22:00 and 06:00",)
    assert winter.unrouted


def test_weekdays():
    rules = parse_rules([rule(1, weekdays=[5, "sun"])])
    saturday = decide(rules, facts(created_at=datetime(2027, 2, 6, 12, tzinfo=CPH)))
    assert saturday.matched[0].facts == ("on a Saturday",)
    assert not decide(rules, facts(created_at=datetime(2027, 2, 7, 12, tzinfo=CPH))).unrouted
    assert decide(rules, facts(created_at=datetime(2027, 2, 8, 12, tzinfo=CPH))).unrouted
    # Sunday 23:30 UTC is already Monday in Copenhagen.
    assert decide(rules, facts(created_at=datetime(2027, 2, 7, 23, 30, tzinfo=UTC))).unrouted


def test_weekend_nights_combine():
    rules = parse_rules([rule(1, units=["SSP"], weekdays=[4, 5], hours=[22, 6])])
    friday_night = decide(rules, facts(created_at=datetime(2027, 2, 5, 23, tzinfo=CPH)))
    assert friday_night.explain() == (
        "routed to SSP because rule 1 'rule 1': on a Friday and between 22:00 and 06:00"
    )
    assert decide(rules, facts(created_at=datetime(2027, 2, 3, 23, tzinfo=CPH))).unrouted


def test_every_condition_in_words():
    rules = parse_rules(
        [
            rule(
                7,
                units=["SSP", "BBU"],
                categories=["UNG"],
                districts=[3, 8],
                minor_involved=True,
                housing_estate=False,
                person_named=True,
                urgency=["high"],
                kind=["concern"],
            )
        ]
    )
    decision = decide(
        rules, facts("UNG", minor_involved=True, person_named=True, urgency="high", kind="concern")
    )
    assert decision.matched[0].facts == (
        "category UNG",
        "district 3",
        "a minor involved",
        "not on a housing estate",
        "a person named",
        "urgency high",
        "kind concern",
    )
    assert decide(rules, facts("UNG", minor_involved=True, district=None)).unrouted


def test_stop_false_accumulates_without_duplicates():
    rules = parse_rules(
        [
            rule(1, order=1, units=["COORD", "POLICE"], stop=False, districts=[3]),
            rule(2, order=2, units=["POLICE", "SSP"], stop=False, categories=["VOLD"]),
            rule(3, order=3, units=["BBU"], categories=["UNG"]),  # does not match
            rule(4, order=4, units=["HOUSING"]),  # stops here
            rule(5, order=5, units=["VINK"]),
        ]
    )
    decision = decide(rules, facts("VOLD"))
    assert decision.units == ("COORD", "POLICE", "SSP", "HOUSING")
    assert [m.rule_id for m in decision.matched] == [1, 2, 4]
    assert decision.matched[2].facts == ()
    assert "rule 4 'rule 4': it applies to every report" in decision.explain()


def test_order_not_list_position_decides():
    rules = parse_rules([rule(1, order=20, units=["POLICE"]), rule(2, order=10, units=["SSP"])])
    assert decide(rules, facts()).units == ("SSP",)
    # Equal order: the lower id first; numeric ids before text ids.
    rules = parse_rules(
        [rule("b", order=1, units=["VINK"]), rule(9, order=1, units=["BBU"]), rule(3, order=1)]
    )
    assert [m.rule_id for m in decide(rules, facts()).matched] == [3]


def test_inactive_rules_are_skipped():
    rules = parse_rules(
        [rule(1, order=1, units=["POLICE"], active=False), rule(2, order=2, units=["SSP"])]
    )
    assert decide(rules, facts()).units == ("SSP",)
    assert decide(rules[:1], facts()).unrouted


def test_naive_created_at_is_refused():
    with pytest.raises(ValueError, match="aware"):
        decide(DEMO, facts(created_at=datetime(2027, 2, 3, 10)))


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"colour": "red"}, "colour", "unknown field"),
        ({"units": "POLICE"}, "units", "list"),
        ({"units": []}, "units", "non-empty"),
        ({"units": ["NOBODY"]}, "units", "unknown unit 'NOBODY'"),
        ({"name": ""}, "name", "non-empty"),
        ({"name": None}, "name", "required"),
        ({"order": "1"}, "order", "whole number"),
        ({"active": "yes"}, "active", "true or false"),
        ({"stop": 1}, "stop", "true or false"),
        ({"categories": "VOLD"}, "categories", "list"),
        ({"districts": [3, "4"]}, "districts", "whole numbers"),
        ({"districts": [True]}, "districts", "whole numbers"),
        ({"minor_involved": "yes"}, "minor_involved", "true, false"),
        ({"weekdays": [7]}, "weekdays", "unknown weekday 7"),
        ({"weekdays": ["someday"]}, "weekdays", "unknown weekday 'someday'"),
        ({"hours": [22, 25]}, "hours", "0-24"),
        ({"hours": [24, 6]}, "hours", "0-23"),
        ({"hours": [22]}, "hours", "start_hour, end_hour"),
        ({"hours": [8, 8]}, "hours", "same"),
        ({"hours": [8.5, 16]}, "hours", "whole numbers"),
        ({"area": {"type": "Point", "coordinates": [12.5, 55.6]}}, "area", "Polygon"),
        ({"area": BOWTIE}, "area", "invalid polygon"),
        ({"area": {"type": "Polygon", "coordinates": [[[0, 0], [1]]]}}, "area", "invalid"),
        ({"area": {"type": "Polygon", "coordinates": "x"}}, "area", "invalid"),
        ({"area": "Nørrebro"}, "area", "Polygon"),
    ],
)
def test_parse_errors_name_the_rule_and_field(bad, field, words):
    data = [rule(1), rule(2), {**rule(7), **bad}]
    with pytest.raises(RuleError) as caught:
        parse_rules(data, known_units=UNITS)
    message = str(caught.value)
    assert message.startswith(f"rule #2 (id 7) field {field!r}: "), message
    assert words in message
    assert caught.value.field == field
    assert caught.value.index == 2
    assert isinstance(caught.value, ValueError)


def test_other_parse_errors():
    with pytest.raises(RuleError, match="rule #1 .id 1. field 'id': another rule"):
        parse_rules([rule(1), rule(1)])
    with pytest.raises(RuleError, match=r"rule #0 field 'id': is required"):
        parse_rules([{"name": "x", "order": 1, "units": ["COORD"]}])
    with pytest.raises(RuleError, match="rule #0: a rule must be a mapping"):
        parse_rules(["VOLD -> POLICE"])
    with pytest.raises(RuleError, match="must be a list"):
        parse_rules({"rules": []})


def test_round_trip_of_the_demo_rules():
    assert parse_rules([rule_to_dict(r) for r in DEMO]) == DEMO


def test_round_trip_of_a_rule_with_every_condition():
    full = rule(
        "hotspot-1",
        order=3,
        units=["COORD", "SSP"],
        active=False,
        stop=False,
        categories=["VOLD", "GRUPPE"],
        districts=[3],
        area=SQUARE,
        area_name="Square",
        minor_involved=True,
        housing_estate=False,
        person_named=False,
        urgency=["high", "normal"],
        kind=["crime"],
        weekdays=[4, 5],
        hours=[22, 6],
    )
    (parsed,) = parse_rules([full])
    assert rule_to_dict(parsed) == full
    assert parse_rules([rule_to_dict(parsed)]) == [parsed]


def test_rule_to_dict_omits_unset_conditions_and_names_weekdays_as_numbers():
    (parsed,) = parse_rules([rule(1, weekdays=["Monday", "fri"])])
    assert rule_to_dict(parsed) == {
        "id": 1,
        "name": "rule 1",
        "order": 10,
        "units": ["COORD"],
        "active": True,
        "stop": True,
        "weekdays": [0, 4],
    }


def test_parsed_area_is_a_copy():
    area = {"type": "Polygon", "coordinates": [list(map(list, SQUARE["coordinates"][0]))]}
    (parsed,) = parse_rules([rule(1, area=area)])
    area["coordinates"][0][0][0] = 0.0
    assert parsed.area["coordinates"][0][0][0] == 12.5
