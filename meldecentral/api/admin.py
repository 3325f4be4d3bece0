"""Routing rules and the access log (administrators), undelivered notifications
(coordinators)."""

from __future__ import annotations

from flask import request

from meldecentral.api import bp
from meldecentral.api.auth import require_role, require_staff
from meldecentral.api.errors import ApiError
from meldecentral.api.util import json_body
from meldecentral.domain import roles
from meldecentral.domain.routing import rule_to_dict
from meldecentral.schemas.delivery import (
    AccessLogOutSchema,
    AccessLogQuerySchema,
    DeadLettersQuerySchema,
    DeliveryOutSchema,
)
from meldecentral.services.delivery import resend as resending
from meldecentral.services.delivery import send
from meldecentral.services.privacy import audit
from meldecentral.services.routing import route, rulebook


@bp.get("/routing/rules")
def get_rules():
    actor = require_role(roles.ADMIN)
    rules = route.load_rules(actor.municipality_id)
    return {"rules": [rule_to_dict(r) for r in rules]}


@bp.put("/routing/rules")
def put_rules():
    actor = require_role(roles.ADMIN)
    body = json_body()
    if not isinstance(body.get("rules"), list):
        raise ApiError(422, "validation_error", "invalid rules", {"rules": ["a list of rules"]})
    rules = rulebook.replace_rules(actor.municipality_id, body["rules"])
    return {"rules": [rule_to_dict(r) for r in rules]}


@bp.get("/deliveries/dead")
def dead_letters():
    actor = require_staff()
    limit = DeadLettersQuerySchema().load(request.args.to_dict())["limit"]
    return {"items": DeliveryOutSchema(many=True).dump(send.dead_letters(actor, limit=limit))}


@bp.post("/deliveries/<int:delivery_id>/resend")
def resend(delivery_id: int):
    actor = require_staff()
    return DeliveryOutSchema().dump(resending.resend(actor, delivery_id))


@bp.get("/access-log")
def access_log():
    """Administrators: the access log, by report reference or by user."""
    actor = require_role(roles.ADMIN)
    args = AccessLogQuerySchema().load(request.args)
    rows = audit.access_log(
        actor, reference=args.get("reference"), user_email=args.get("user"), limit=args["limit"]
    )
    return {"items": AccessLogOutSchema(many=True).dump(rows)}
