"""A running worker's cache of the parsed routing rules sees every edit (issue 16, item 8): the
cache compared the rules' count and largest id, which an edit keeping the count left unchanged
on SQLite (it hands out the ids of deleted rows again)."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import RoutingRule
from meldecentral.services.routing import rulebook
from meldecentral.services.staff import users


def _definitions() -> list[dict]:
    return list(
        db.session.scalars(sa.select(RoutingRule.definition).order_by(RoutingRule.position))
    )


def test_a_rule_edit_that_keeps_the_number_of_rules_reaches_a_running_worker(app):
    municipality = users.municipality_by_code("kbh")
    definitions = _definitions()
    assert len(definitions) >= 2
    before = [rule.id for rule in rulebook.load_rules(municipality.id)]  # cached now
    swapped = [definitions[1], definitions[0], *definitions[2:]]  # the same number of rules
    rulebook.replace_rules(municipality.id, swapped)
    after = [rule.id for rule in rulebook.load_rules(municipality.id)]
    assert after == [before[1], before[0], *before[2:]]
    # and inside a batch, whose one check of the version comes after the edit
    with rulebook.one_rule_check():
        rulebook.replace_rules(municipality.id, definitions)
        assert [rule.id for rule in rulebook.load_rules(municipality.id)] == before


def test_the_version_changes_with_every_edit(app):
    municipality = users.municipality_by_code("kbh")
    seen = {municipality.rules_version}
    for _ in range(3):
        rulebook.replace_rules(municipality.id, _definitions())
        db.session.refresh(municipality)
        seen.add(municipality.rules_version)
    assert len(seen) == 4
