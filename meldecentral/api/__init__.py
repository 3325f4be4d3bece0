"""The JSON API under /api/v1. Importing the view modules puts their routes on ``bp``."""

from meldecentral.api import (
    admin,
    attachments,
    dashboard,
    errors,
    meta,
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
    "dashboard",
    "errors",
    "meta",
    "queues",
    "reports",
    "tokens",
    "views",
]
