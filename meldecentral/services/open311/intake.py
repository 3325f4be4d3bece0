"""POST requests: an Open311 client application submits a resident's report through the very
submission service the JSON API uses (services/reports/submit.py), so the same rules hold:
validation, the 112 guard, idempotency."""

from __future__ import annotations

from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden
from meldecentral.services.open311.clients import Caller
from meldecentral.services.reports import submit


def submit_request(
    caller: Caller, municipality_id: int, data: dict, *, idempotency_key: str | None = None
) -> submit.Submission:
    """``data`` has passed the JSON API's schema (ReportInSchema for a resident). The key's
    application submits to its own municipality only. An Idempotency-Key is scoped to the
    application, so two applications' keys never meet."""
    if caller.municipality_id != municipality_id:
        raise Forbidden("this api_key is not valid for this jurisdiction_id")
    actor = Actor(role="resident", municipality_id=municipality_id)
    key = f"open311:{caller.id}:{idempotency_key}" if idempotency_key else None
    return submit.submit_report(actor, data, idempotency_key=key)
