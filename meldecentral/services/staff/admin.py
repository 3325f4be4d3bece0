"""Administration: users, units, categories and routing rules of the administrator's own
municipality. Every function checks the role; the pages only show what these allow."""

from __future__ import annotations

import re

import sqlalchemy as sa
import yaml

from meldecentral.domain import roles
from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import (
    Category,
    CategoryGroup,
    District,
    Municipality,
    RoutingRule,
    Unit,
    User,
)
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import channels as declared
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed
from meldecentral.services.reference import catalogue, geo
from meldecentral.services.routing import rulebook
from meldecentral.services.staff import signin, tokens, users

URGENCIES = ("high", "normal", "low")
UNIT_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")


def _require_admin(actor: Actor) -> None:
    if actor.role != roles.ADMIN:
        raise Forbidden("only administrators")


def _own(actor: Actor, model, object_id: int):
    row = db.session.get(model, object_id)
    if row is None or row.municipality_id != actor.municipality_id:
        raise NotFound("no such record")
    return row


def get_user(actor: Actor, user_id: int) -> User:
    _require_admin(actor)
    return _own(actor, User, user_id)


def list_users(actor: Actor) -> list[User]:
    _require_admin(actor)
    return list(
        db.session.scalars(
            sa.select(User).filter_by(municipality_id=actor.municipality_id).order_by(User.email)
        )
    )


def list_units(actor: Actor) -> list[Unit]:
    _require_admin(actor)
    return list(
        db.session.scalars(
            sa.select(Unit).filter_by(municipality_id=actor.municipality_id).order_by(Unit.code)
        )
    )


def list_categories(actor: Actor) -> list[Category]:
    _require_admin(actor)
    return list(
        db.session.scalars(
            sa.select(Category)
            .filter_by(municipality_id=actor.municipality_id)
            .order_by(Category.code)
        )
    )


def create_user(actor: Actor, data: dict) -> User:
    _require_admin(actor)
    municipality = db.session.get(Municipality, actor.municipality_id)
    return users.create_user(
        municipality=municipality,
        email=data["email"],
        name=data["name"],
        role=data["role"],
        password=data["password"],
        unit_code=data.get("unit") or None,
    )


def deactivate_user(actor: Actor, user_id: int) -> User:
    _require_admin(actor)
    user = _own(actor, User, user_id)
    if user.id == actor.user_id:
        raise ValidationFailed("cannot deactivate yourself", {"user": [N_("that is you")]})
    user.active = False
    user.session_version += 1  # ends the sessions the user has now
    tokens.revoke_all(user.id)  # and the tokens, so that reactivating does not revive them
    db.session.commit()
    return user


def activate_user(actor: Actor, user_id: int) -> User:
    _require_admin(actor)
    user = _own(actor, User, user_id)
    user.active = True
    db.session.commit()
    return user


def unlock_user(actor: Actor, user_id: int) -> User:
    _require_admin(actor)
    user = _own(actor, User, user_id)
    signin.succeeded(user)  # clears the failure count and the lock
    return user


def reset_totp(actor: Actor, user_id: int) -> User:
    """The user lost their phone: the next sign-in enrols a new authenticator."""
    _require_admin(actor)
    user = _own(actor, User, user_id)
    user.totp_secret = None
    user.session_version += 1
    db.session.commit()
    return user


def unit_by_code(actor: Actor, code: str) -> Unit:
    _require_admin(actor)
    unit = db.session.scalar(
        sa.select(Unit).filter_by(municipality_id=actor.municipality_id, code=code)
    )
    if unit is None:
        raise NotFound(f"no unit {code!r}")
    return unit


def create_unit(actor: Actor, data: dict) -> Unit:
    """A new unit of the administrator's municipality, active, with no channels until the
    administrator sets them and its addresses (``update_unit``); deactivating it is
    ``update_unit``'s ``active``. ``data``: code (A-Z, 0-9, _; unique in the municipality), name."""
    _require_admin(actor)
    code = (data.get("code") or "").strip().upper()
    name = (data.get("name") or "").strip()
    errors: dict[str, list] = {}
    if not UNIT_CODE.match(code):
        errors["code"] = [N_("1-20 capital letters, digits or _")]
    elif db.session.scalar(
        sa.select(Unit.id).filter_by(municipality_id=actor.municipality_id, code=code)
    ):
        errors["code"] = [N_("already in use")]
    if not 1 <= len(name) <= 200:
        errors["name"] = [N_("give the unit a name (1-200 chars)")]
    if errors:
        raise ValidationFailed("invalid unit", errors)
    unit = Unit(
        municipality_id=actor.municipality_id,
        code=code,
        name=name,
        channels={u: [] for u in URGENCIES},
        active=True,
    )
    db.session.add(unit)
    db.session.commit()
    return unit


def update_unit(actor: Actor, unit_id: int, data: dict) -> Unit:
    """``data``: name, active, channels as {urgency: [channel, ...]}, and each channel's address
    and secret under the field the channel declares (e.g. email, sms_number, webhook_url,
    webhook_secret; services.delivery.channels); an empty secret keeps the old one. A key left
    out keeps what the unit has (the command line changes what it is given; the page sends
    every field)."""
    _require_admin(actor)
    unit = _own(actor, Unit, unit_id)
    described = declared.described()
    errors: dict[str, list[str]] = {}
    addresses = _addresses(unit, described, data, errors)
    channels = data["channels"] if "channels" in data else (unit.channels or {})
    for urgency, chosen in channels.items():
        if urgency not in URGENCIES:
            errors.setdefault("channels", []).append(
                Reason("unknown urgency %(urgency)r", urgency=urgency)
            )
        for channel in chosen:
            description = described.get(channel)
            if description is None:
                errors.setdefault(f"channels_{urgency}", []).append(
                    Reason("unknown channel %(channel)r", channel=channel)
                )
            elif description.address and not addresses[description.address.field]:
                errors.setdefault(f"channels_{urgency}", []).append(
                    Reason(
                        "%(channel)s needs an address (%(field)s)",
                        channel=channel,
                        field=description.address.field,
                    )
                )
    if errors:
        raise ValidationFailed("invalid unit", errors)
    unit.name = data.get("name", unit.name)
    for description in described.values():
        address = description.address
        if address is None:
            continue
        if address.field in data:
            declared.write(unit, address.field, address.column, addresses[address.field])
        secret = address.secret
        if secret is not None and data.get(secret.field):
            declared.write(unit, secret.field, secret.column, data[secret.field])
    unit.active = bool(data.get("active", unit.active))
    unit.channels = {u: list(channels.get(u, [])) for u in URGENCIES}
    db.session.commit()
    return unit


def _addresses(unit: Unit, described, data: dict, errors: dict) -> dict[str, str | None]:
    """Each channel's address as it will be: the one given (checked by the channel's own rule:
    an address saved is one the channel can send to), else the unit's."""
    addresses: dict[str, str | None] = {}
    for description in described.values():
        address = description.address
        if address is None:
            continue
        if address.field not in data:
            addresses[address.field] = declared.read(unit, address.field, address.column)
            continue
        value = (data[address.field] or "").strip() or None
        if value is not None:
            if len(value) > address.max_length:
                errors.setdefault(address.field, []).append(
                    Reason("at most %(n)d characters", n=address.max_length)
                )
            else:
                try:
                    address.check(value)
                except ValueError as exc:
                    errors.setdefault(address.field, []).append(str(exc))
        addresses[address.field] = value
    return addresses


def list_category_groups(actor: Actor) -> list[CategoryGroup]:
    """The groups the public figures count categories in (services/facts)."""
    _require_admin(actor)
    return list(
        db.session.scalars(
            sa.select(CategoryGroup)
            .filter_by(municipality_id=actor.municipality_id)
            .order_by(CategoryGroup.position, CategoryGroup.code)
        )
    )


def save_category(actor: Actor, category_id: int | None, data: dict) -> Category:
    """Create (``category_id`` None) or update a category's labels, urgency and state."""
    _require_admin(actor)
    if data["default_urgency"] not in URGENCIES:
        raise ValidationFailed("invalid category", {"default_urgency": [N_("high, normal or low")]})
    if category_id is None:
        code = data["code"].strip().upper()
        exists = db.session.scalar(
            sa.select(Category.id).filter_by(municipality_id=actor.municipality_id, code=code)
        )
        if exists:
            raise ValidationFailed("invalid category", {"code": [N_("already in use")]})
        category = Category(municipality_id=actor.municipality_id, code=code)
        db.session.add(category)
    else:
        category = _own(actor, Category, category_id)
    category.label_da = data["label_da"]
    category.label_en = data["label_en"]
    if "labels" in data:  # the further languages' labels; an empty one is left out
        labels = {code: (text or "").strip() for code, text in data["labels"].items()}
        category.labels = {code: text for code, text in labels.items() if text} or None
    category.kind = data["kind"]
    category.default_urgency = data["default_urgency"]
    category.emergency_when_now = bool(data.get("emergency_when_now"))
    category.active = bool(data.get("active", True))
    if "group" in data:
        group = data["group"] or None
        if group is not None:
            owned = db.session.get(CategoryGroup, int(group))
            if owned is None or owned.municipality_id != actor.municipality_id:
                raise ValidationFailed("invalid category", {"group": [N_("no such group")]})
        category.group_id = int(group) if group else None
    db.session.commit()
    catalogue.clear()  # submissions in this process see the change at once, others within 30 s
    return category


def rules_text(actor: Actor) -> str:
    """The stored rule definitions as YAML, as an administrator edits them."""
    _require_admin(actor)
    definitions = db.session.scalars(
        sa.select(RoutingRule.definition)
        .where(RoutingRule.municipality_id == actor.municipality_id)
        .order_by(RoutingRule.position)
    ).all()
    return yaml.safe_dump(list(definitions), allow_unicode=True, sort_keys=False)


def save_rules_text(actor: Actor, text: str) -> int:
    """Parse YAML (JSON is YAML too), validate and replace the rule set. Returns the count."""
    _require_admin(actor)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(
            "invalid rules", {"rules": [Reason("not valid YAML/JSON: %(problem)s", problem=exc)]}
        ) from None
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise ValidationFailed("invalid rules", {"rules": [N_("a list of rules")]})
    return len(rulebook.replace_rules(actor.municipality_id, data))


def list_districts(actor: Actor) -> list[District]:
    """The administrator's municipality's districts, by number."""
    _require_admin(actor)
    return list(
        db.session.scalars(
            sa.select(District)
            .filter_by(municipality_id=actor.municipality_id)
            .order_by(District.number)
        )
    )


MAX_DISTRICTS_BYTES = 5 * 1024 * 1024


def import_districts(actor: Actor, raw: bytes) -> tuple[int, int]:
    """Create or update the administrator's municipality's districts from a GeoJSON
    FeatureCollection (by district number; ``geo.import_districts``), all or none: a bad
    feature is refused naming it, and nothing is stored. Returns (created, updated)."""
    import json

    _require_admin(actor)
    if not raw:
        raise ValidationFailed("no file", {"file": [N_("choose a GeoJSON file")]})
    if len(raw) > MAX_DISTRICTS_BYTES:
        raise ValidationFailed("too large", {"file": [N_("larger than 5 MB")]})
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("not JSON", {"file": [N_("not a GeoJSON (JSON) file")]}) from None
    municipality = db.session.get(Municipality, actor.municipality_id)
    try:
        counts = geo.import_districts(municipality, data if isinstance(data, dict) else {})
    except geo.GeoJSONError as exc:
        db.session.rollback()
        raise ValidationFailed(str(exc), {"file": [str(exc)]}) from None
    db.session.commit()
    geo.clear_cache()
    return counts
