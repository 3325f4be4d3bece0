"""Reference data: a demo municipality, its units, categories, routing rules and districts,
from a YAML file of meldecentral/data (demo.yaml: Copenhagen; frederiksberg.yaml: the second
municipality of the demo)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
import yaml
from flask import current_app

from meldecentral.extensions import db
from meldecentral.models import Category, CategoryGroup, Municipality, Unit
from meldecentral.services.delivery import channels
from meldecentral.services.reference import geo, municipalities

DATA = Path(__file__).resolve().parents[1] / "data"


def demo_config(name: str = "demo.yaml") -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


# The demo's other municipalities, each a file of its own, loaded after demo.yaml's.
OTHER_DEMO_MUNICIPALITIES = ("frederiksberg.yaml",)


def load_reference_data(config: dict | None = None) -> Municipality:
    """Idempotent: creates what is missing, leaves what exists."""
    config = config or demo_config()
    m = config["municipality"]
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code=m["code"]))
    if municipality is None:
        municipality = Municipality(
            code=m["code"],
            name=m["name"],
            hosts=list(m.get("hosts") or []),
            path_prefix=m.get("path_prefix"),
        )
        if "reopen_days" in m:
            municipality.reopen_days = m["reopen_days"]
        db.session.add(municipality)
        db.session.flush()
    have_units = set(
        db.session.scalars(sa.select(Unit.code).filter_by(municipality_id=municipality.id))
    )
    for u in config["units"]:
        if u["code"] not in have_units:
            db.session.add(
                Unit(
                    municipality_id=municipality.id,
                    code=u["code"],
                    name=u["name"],
                    channels=u.get("channels", {}),
                )
            )
    groups = {
        g.code: g
        for g in db.session.scalars(
            sa.select(CategoryGroup).filter_by(municipality_id=municipality.id)
        )
    }
    for position, g in enumerate(config.get("category_groups") or []):
        if g["code"] not in groups:
            groups[g["code"]] = CategoryGroup(
                municipality_id=municipality.id,
                code=g["code"],
                label_da=g["da"],
                label_en=g["en"],
                severity=float(g.get("severity", 1)),
                position=position,
            )
            db.session.add(groups[g["code"]])
    db.session.flush()
    have_cats = {
        c.code: c
        for c in db.session.scalars(sa.select(Category).filter_by(municipality_id=municipality.id))
    }
    for c in config["categories"]:
        if c["code"] in have_cats:
            # Labels in languages added since the category was made; an edited label stays.
            have_cats[c["code"]].labels = have_cats[c["code"]].labels or c.get("labels")
        else:
            db.session.add(
                Category(
                    municipality_id=municipality.id,
                    code=c["code"],
                    label_da=c["da"],
                    label_en=c["en"],
                    labels=c.get("labels"),
                    kind=c["kind"],
                    default_urgency=c["urgency"],
                    emergency_when_now=c.get("emergency", False),
                    group_id=groups[c["group"]].id if c.get("group") in groups else None,
                )
            )
    db.session.flush()
    # Categories made before groups existed get the configured group (once; an edit stays).
    wanted = {c["code"]: c.get("group") for c in config["categories"]}
    for category in db.session.scalars(
        sa.select(Category).filter_by(municipality_id=municipality.id, group_id=None)
    ):
        if wanted.get(category.code) in groups:
            category.group_id = groups[wanted[category.code]].id
    db.session.commit()
    from meldecentral.models import RoutingRule
    from meldecentral.services.routing import rulebook

    if not db.session.scalar(
        sa.select(RoutingRule.id).filter_by(municipality_id=municipality.id).limit(1)
    ):
        rules = yaml.safe_load((DATA / config["rules"]).read_text(encoding="utf-8"))
        rulebook.replace_rules(municipality.id, rules)
    districts = config.get("districts") or {}
    if "file" in districts:
        geo.import_districts(municipality, _geojson(districts["file"]))
    elif "enclave_of" in districts:
        # A municipality inside another's (Frederiksberg in Copenhagen): the hole in the union
        # of the surrounding one's districts, as one district.
        geo.import_districts(
            municipality,
            geo.enclave(_geojson(districts["enclave_of"]), districts["number"], districts["name"]),
        )
    _demo_facts_data(municipality, config)
    municipalities.clear()
    return municipality


def _geojson(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _demo_facts_data(municipality: Municipality, config: dict) -> None:
    """The population and the (illustrative) safety survey, where none is stored yet."""
    from meldecentral.models import District, DistrictPopulation, SafetySurvey
    from meldecentral.services.facts import survey

    people = config.get("population")
    if people and not db.session.scalar(
        sa.select(DistrictPopulation.district_id).filter_by(municipality_id=municipality.id)
    ):
        for district in db.session.scalars(
            sa.select(District).filter_by(municipality_id=municipality.id)
        ):
            residents = people["districts"].get(district.number)
            if residents:
                db.session.add(
                    DistrictPopulation(
                        district_id=district.id,
                        municipality_id=municipality.id,
                        year=people["year"],
                        population=residents,
                        source=people.get("source"),
                    )
                )
        db.session.commit()
    name = config.get("safety_survey")
    if name and not db.session.scalar(
        sa.select(SafetySurvey.district_id).filter_by(municipality_id=municipality.id)
    ):
        survey.import_csv(municipality.id, (DATA / name).read_text(encoding="utf-8"))


def give_demo_addresses(municipality: Municipality, config: dict | None = None) -> int:
    """Outside production (with the development inbox), the demo units' ``addresses``: where
    each channel reaches them, so that `make run` shows its alerts arriving (e-mail and SMS in
    the development inbox, webhooks at /dev/webhooks). Only an address a unit does not have
    is set; a webhook gets a signing secret with it. Returns how many were set."""
    if current_app.config.get("ENV_NAME") == "production" or not current_app.config.get(
        "DEV_INBOX_DIR"
    ):
        return 0
    config = config or demo_config()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    described = channels.described()
    units = {
        u.code: u
        for u in db.session.scalars(sa.select(Unit).filter_by(municipality_id=municipality.id))
    }
    given = 0
    for spec in config["units"]:
        unit = units.get(spec["code"])
        for channel, address in (spec.get("addresses") or {}).items():
            declared = described.get(channel)
            if unit is None or declared is None or declared.address is None:
                continue
            where = declared.address
            if channels.read(unit, where.field, where.column):
                continue
            channels.write(
                unit, where.field, where.column, address.replace("{PUBLIC_BASE_URL}", base)
            )
            if where.secret is not None and not channels.read(
                unit, where.secret.field, where.secret.column
            ):
                channels.write(
                    unit, where.secret.field, where.secret.column, where.secret.generate()
                )
            given += 1
    db.session.commit()
    return given
