"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from meldecentral.models.attachment import Attachment
from meldecentral.models.audit import AccessLog
from meldecentral.models.base import UTCDateTime, utcnow
from meldecentral.models.conversation import ReporterFeedback, ReporterMessage
from meldecentral.models.delivery import (
    Delivery,
    DeliveryAttempt,
    InAppNotification,
    InAppRead,
)
from meldecentral.models.hotspot import DetectedHotspot, Hotspot, HotspotReport
from meldecentral.models.open311 import Open311Client
from meldecentral.models.org import Category, CategoryGroup, Unit
from meldecentral.models.outbox import OutboxEvent
from meldecentral.models.place import District, Municipality
from meldecentral.models.push import PushSubscription
from meldecentral.models.report import (
    Assignment,
    EmergencyRedirect,
    Note,
    Report,
    ReporterContact,
    ReportEvent,
)
from meldecentral.models.retention import ReportTombstone
from meldecentral.models.routing import RoutingDecision, RoutingRule
from meldecentral.models.stats import (
    DashboardTimes,
    DistrictPopulation,
    PublicFacts,
    ReportDailyCount,
    ReportMonthlyCount,
    ReportWeeklyCount,
    SafetySurvey,
)
from meldecentral.models.user import ApiToken, User
from meldecentral.models.views import SavedView, SavedViewDefault

__all__ = [
    "AccessLog",
    "ApiToken",
    "Attachment",
    "Assignment",
    "Category",
    "CategoryGroup",
    "DashboardTimes",
    "DistrictPopulation",
    "PublicFacts",
    "ReportMonthlyCount",
    "ReportWeeklyCount",
    "SafetySurvey",
    "Delivery",
    "DeliveryAttempt",
    "DetectedHotspot",
    "Hotspot",
    "HotspotReport",
    "InAppNotification",
    "InAppRead",
    "RoutingDecision",
    "RoutingRule",
    "SavedView",
    "SavedViewDefault",
    "District",
    "EmergencyRedirect",
    "Municipality",
    "Note",
    "Open311Client",
    "OutboxEvent",
    "PushSubscription",
    "Report",
    "ReportEvent",
    "ReportDailyCount",
    "ReporterContact",
    "ReporterFeedback",
    "ReporterMessage",
    "ReportTombstone",
    "Unit",
    "User",
    "UTCDateTime",
    "utcnow",
]
