"""Web Push subscriptions: staff turn alerts on and off per browser; the web push channel
(notifications/webpush.py) asks here whom a recipient's alert goes to, and says which browsers
took it and which are gone (the push service's 404/410: removed here).

A recipient is a unit (its id: its members; the COORD unit: the municipality's coordinators,
as for the notification centre) or one user ("user:<id>")."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import PushSubscription, Report, Unit, User
from meldecentral.schemas.push import PushEndpointSchema, PushSubscriptionSchema
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, ValidationFailed

COORDINATORS = "COORD"
# Who may turn push alerts on: those the alerts are for (an administrator gets none).
RECEIVERS = (roles.STREET_WORKER, roles.COORDINATOR, roles.UNIT_MEMBER)
USER_PREFIX = "user:"


def may_subscribe(actor: Actor) -> bool:
    return actor.role in RECEIVERS and actor.user_id is not None


def _load(schema, data) -> dict:
    try:
        loaded = schema.load(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        raise ValidationFailed("invalid push subscription", exc.messages) from None
    scheme = urlsplit(loaded["endpoint"]).scheme
    if scheme != "https" and current_app.config["ENV_NAME"] == "production":
        raise ValidationFailed("invalid push subscription", {"endpoint": ["must be https"]})
    return loaded


def subscribe(actor: Actor, data: dict) -> PushSubscription:
    """Keep this browser's subscription for the actor. The same endpoint again (a renewed key,
    or another user signing in on this browser) replaces the row: one browser, one owner."""
    if not may_subscribe(actor):
        raise Forbidden("push alerts are not for this role")
    loaded = _load(PushSubscriptionSchema(), data)
    row = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == loaded["endpoint"])
    )
    if row is None:
        row = PushSubscription(endpoint=loaded["endpoint"])
        db.session.add(row)
    row.user_id = actor.user_id
    row.p256dh = loaded["keys"]["p256dh"]
    row.auth = loaded["keys"]["auth"]
    db.session.commit()
    return row


def unsubscribe(actor: Actor, data: dict) -> bool:
    """Forget the actor's subscription of this endpoint; False if there was none."""
    loaded = _load(PushEndpointSchema(), data)
    deleted = db.session.execute(
        sa.delete(PushSubscription).where(
            PushSubscription.endpoint == loaded["endpoint"],
            PushSubscription.user_id == actor.user_id,
        )
    ).rowcount
    db.session.commit()
    return bool(deleted)


def count_for(actor: Actor) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(PushSubscription.id)).where(
            PushSubscription.user_id == actor.user_id
        )
    )


def user_recipient(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def author_subscribed(report_id: int) -> bool:
    """Whether the member of staff who wrote the report has a push subscription (one query)."""
    return (
        db.session.scalar(
            sa.select(PushSubscription.id)
            .join(Report, Report.reporter_user_id == PushSubscription.user_id)
            .where(Report.id == report_id)
            .limit(1)
        )
        is not None
    )


def has_subscriptions(user_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
        )
        is not None
    )


def _users_of(recipient: str) -> sa.Select | list[int]:
    if recipient.startswith(USER_PREFIX):
        return [int(recipient.removeprefix(USER_PREFIX))]
    unit = db.session.get(Unit, int(recipient))
    if unit is None:
        return []
    if unit.code == COORDINATORS:
        who = (User.municipality_id == unit.municipality_id) & (User.role == roles.COORDINATOR)
    else:
        who = (User.unit_id == unit.id) & (User.role == roles.UNIT_MEMBER)
    return sa.select(User.id).where(who, User.active.is_(True))


def subscriptions_for(recipient: str) -> list:
    """The web push channel's WEBPUSH_SUBSCRIPTIONS: the recipient's browsers, as the channel's
    ``Subscription`` shape (id, endpoint, p256dh, auth)."""
    try:
        users = _users_of(recipient)
    except ValueError:
        return []
    rows = db.session.scalars(
        sa.select(PushSubscription)
        .where(PushSubscription.user_id.in_(users))
        .order_by(PushSubscription.id)
    )
    return [_Target(r.id, r.endpoint, r.p256dh, r.auth) for r in rows]


class _Target:
    """What the channel reads of a subscription (its attributes), without the ORM object."""

    __slots__ = ("auth", "endpoint", "id", "p256dh")

    def __init__(self, id_: int, endpoint: str, p256dh: str, auth: str) -> None:
        self.id, self.endpoint, self.p256dh, self.auth = id_, endpoint, p256dh, auth


def record_outcome(*, delivered: list[int], gone: list[int]) -> None:
    """The web push channel's WEBPUSH_OUTCOME: when each browser last took a push; the gone
    ones removed. In the sending worker's transaction (committed with the attempt)."""
    if delivered:
        db.session.execute(
            sa.update(PushSubscription)
            .where(PushSubscription.id.in_(delivered))
            .values(last_success_at=clock.now())
        )
    if gone:
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(gone)))
