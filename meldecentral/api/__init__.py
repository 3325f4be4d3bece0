"""The JSON API under /api/v1. Importing the view modules puts their routes on ``bp``."""

from meldecentral.api import (
    admin,
    attachments,
    conversation,
    dashboard,
    errors,
    meta,
    public,
    queues,
    reports,
    tokens,
    util,
    views,
)
from meldecentral.api.blueprint import bp

bp.before_request(util.limit_body_size)

__all__ = [
    "admin",
    "attachments",
    "bp",
    "conversation",
    "dashboard",
    "errors",
    "meta",
    "public",
    "queues",
    "reports",
    "tokens",
    "views",
]
