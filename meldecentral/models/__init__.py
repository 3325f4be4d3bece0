"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from meldecentral.models.audit import AccessLog
from meldecentral.models.base import UTCDateTime, utcnow
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
from meldecentral.models.user import ApiToken, User

__all__ = [
    "AccessLog",
    "ApiToken",
    "Assignment",
    "Category",
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
