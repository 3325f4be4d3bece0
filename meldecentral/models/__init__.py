"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from meldecentral.models.audit import AccessLog
from meldecentral.models.base import UTCDateTime, utcnow
from meldecentral.models.delivery import Delivery, DeliveryAttempt, InAppNotification
from meldecentral.models.org import Category, Unit
from meldecentral.models.outbox import OutboxEvent
from meldecentral.models.place import District, Municipality
from meldecentral.models.report import (
    Assignment,
    EmergencyRedirect,
    Note,
    Report,
    ReporterContact,
    ReportEvent,
)
from meldecentral.models.routing import RoutingDecision, RoutingRule
from meldecentral.models.user import ApiToken, User

__all__ = [
    "AccessLog",
    "ApiToken",
    "Assignment",
    "Category",
    "Delivery",
    "DeliveryAttempt",
    "InAppNotification",
    "RoutingDecision",
    "RoutingRule",
    "District",
    "EmergencyRedirect",
    "Municipality",
    "Note",
    "OutboxEvent",
    "Report",
    "ReportEvent",
    "ReporterContact",
    "Unit",
    "User",
    "UTCDateTime",
    "utcnow",
]
