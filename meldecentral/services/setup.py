"""Reference data: the demo municipality, its units, categories and districts."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
import yaml
from flask import current_app

from meldecentral.extensions import db
from meldecentral.models import Category, Municipality, Unit
from meldecentral.services.delivery import channels
from meldecentral.services.reference import geo

DATA = Path(__file__).resolve().parents[1] / "data"


def demo_config() -> dict:
    return yaml.safe_load((DATA / "demo.yaml").read_text(encoding="utf-8"))


def load_reference_data(config: dict | None = None) -> Municipality:
    """Idempotent: creates what is missing, leaves what exists."""
    config = config or demo_config()
    m = config["municipality"]
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code=m["code"]))
    if municipality is None:
        municipality = Municipality(code=m["code"], name=m["name"])
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
                )
            )
    db.session.commit()
    from meldecentral.models import RoutingRule
    from meldecentral.services.routing import rulebook

    if not db.session.scalar(
        sa.select(RoutingRule.id).filter_by(municipality_id=municipality.id).limit(1)
    ):
        rules = yaml.safe_load((DATA / "routing_rules.yaml").read_text(encoding="utf-8"))
        rulebook.replace_rules(municipality.id, rules)
    geojson = json.loads((DATA / "copenhagen-bydele.geojson").read_text(encoding="utf-8"))
    if m["code"] == "kbh":
        geo.import_districts(municipality, geojson)
    return municipality


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
