"""The JSON API under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules puts their routes on bp.
from meldecentral.api import admin, attachments, errors, meta, queues, reports, util  # noqa: E402

bp.before_request(util.limit_body_size)

__all__ = ["admin", "attachments", "bp", "errors", "meta", "queues", "reports"]
