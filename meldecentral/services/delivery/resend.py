"""A coordinator sends a dead-lettered notification again (after fixing the address).

The resend is recorded with an outbox event in the same transaction, never handed to a worker
from the request: the worker's handler for that event claims the delivery and sends it
(``claim``), and should the broker be down, the outbox sweeper publishes the event later.
"""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.db import outbox
from meldecentral.domain import events, roles
from meldecentral.extensions import db
from meldecentral.models import Delivery
from meldecentral.models.delivery import DEAD, PENDING
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import channels, send
from meldecentral.services.errors import Forbidden, NotFound


def resend(actor: Actor, delivery_id: int) -> Delivery:
    if actor.role != roles.COORDINATOR:
        raise Forbidden("only coordinators resend notifications")
    delivery = db.session.scalar(
        sa.select(Delivery).where(
            Delivery.id == delivery_id, send.of_municipality(actor.municipality_id)
        )
    )
    if delivery is None or delivery.status != DEAD:
        raise NotFound("no such undelivered notification")
    description = channels.described().get(delivery.channel)
    if delivery.audience == "unit" and delivery.unit is not None:
        if description is not None and description.address is not None:
            # Take the unit's current address: the usual fix is correcting it.
            delivery.recipient = channels.unit_address(delivery.unit, delivery.channel)
    delivery.status, delivery.attempts, delivery.dead_at = PENDING, 0, None
    # Due now, for the event's handler; the delivery sweeper steps in only after its grace, if
    # no worker has sent it by then.
    delivery.next_attempt_at = clock.now()
    outbox.record(events.DELIVERY_RESEND, {"delivery_id": delivery.id}, urgent=delivery.urgent)
    db.session.commit()
    return delivery


def claim(delivery_id: int) -> list[int]:
    """The event's handler (in the worker's transaction): the delivery claimed for this worker
    to send now, unless it has been sent or claimed meanwhile (e.g. by the sweeper's task)."""
    return send.claim_in_worker(delivery_id)
