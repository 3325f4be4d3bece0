"""Routing rules and the access log (administrators), undelivered notifications
(coordinators)."""

from __future__ import annotations

from flask import request
from marshmallow import EXCLUDE

from meldecentral.api.auth import require_role, require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.util import json_body, load
from meldecentral.domain import roles
from meldecentral.domain.routing import rule_to_dict
from meldecentral.schemas.delivery import (
    AccessLogOutSchema,
    AccessLogQuerySchema,
    BacklogSchema,
    DeadLettersQuerySchema,
    DeliveryOutSchema,
)
from meldecentral.schemas.routing import RuleListSchema
from meldecentral.services.delivery import resend as resending
from meldecentral.services.delivery import send
from meldecentral.services.privacy import audit
from meldecentral.services.routing import route, rulebook

_rule_list = RuleListSchema()


@bp.get("/routing/rules")
def get_rules():
    """Administrators: the routing rules.
    ---
    get:
      summary: "Administrators: the routing rules"
      operationId: getRules
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: RuleListSchema}}
        401: Unauthorized
        403: AdministratorsOnly
    """
    actor = require_role(roles.ADMIN)
    rules = route.load_rules(actor.municipality_id)
    return {"rules": [rule_to_dict(r) for r in rules]}


@bp.put("/routing/rules")
def put_rules():
    """Administrators: replace the routing rules; the rule set is checked as a whole.
    ---
    put:
      summary: "Administrators: replace the routing rules (validated as a whole)"
      operationId: putRules
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: RuleListSchema}}
      responses:
        200:
          description: OK
          content: {application/json: {schema: RuleListSchema}}
        400: MalformedJson
        401: Unauthorized
        403: AdministratorsOnly
        415: NotJson
        422:
          description: invalid rules
          content: {application/json: {schema: Error}}
    """
    actor = require_role(roles.ADMIN)
    # Other keys beside "rules" have always been ignored here.
    body = load(_rule_list, json_body(), "invalid rules", unknown=EXCLUDE)
    rules = rulebook.replace_rules(actor.municipality_id, body["rules"])
    return {"rules": [rule_to_dict(r) for r in rules]}


@bp.get("/deliveries/dead")
def dead_letters():
    """Coordinators: notifications that could not be delivered.
    ---
    get:
      summary: "Coordinators: notifications that could not be delivered"
      operationId: deadLetters
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: DeadLettersQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: DeliveryListSchema}}
        401: Unauthorized
        403: CoordinatorsOnly
        422:
          description: invalid limit
          content: {application/json: {schema: Error}}
    """
    actor = require_staff()
    limit = DeadLettersQuerySchema().load(request.args.to_dict())["limit"]
    return {"items": DeliveryOutSchema(many=True).dump(send.dead_letters(actor, limit=limit))}


@bp.get("/deliveries/waiting")
def waiting_deliveries():
    """Coordinators: routing that is behind, and notifications still being tried.
    ---
    get:
      summary: "Coordinators: routing that is behind, and notifications still being tried"
      operationId: waitingDeliveries
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: BacklogSchema}}
        401: Unauthorized
        403: CoordinatorsOnly
    """
    return BacklogSchema().dump(send.backlog(require_staff()))


@bp.post("/deliveries/<int:delivery_id>/resend")
def resend(delivery_id: int):
    """Coordinators: send a dead-lettered notification again.
    ---
    post:
      summary: "Coordinators: send a dead-lettered notification again"
      operationId: resendDelivery
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: DeliveryOutSchema}}
        401: Unauthorized
        403: CoordinatorsOnly
        404: NotFound
    """
    actor = require_staff()
    return DeliveryOutSchema().dump(resending.resend(actor, delivery_id))


@bp.get("/access-log")
def access_log():
    """Administrators: the access log, by report reference or by user.
    ---
    get:
      summary: "Administrators: who viewed, exported or downloaded which report"
      operationId: accessLog
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: AccessLogQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: AccessLogListSchema}}
        401: Unauthorized
        403: AdministratorsOnly
        422: InvalidFields
    """
    actor = require_role(roles.ADMIN)
    args = AccessLogQuerySchema().load(request.args)
    rows = audit.access_log(
        actor, reference=args.get("reference"), user_email=args.get("user"), limit=args["limit"]
    )
    return {"items": AccessLogOutSchema(many=True).dump(rows)}
