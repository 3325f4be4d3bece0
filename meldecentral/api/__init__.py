"""The JSON API under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from meldecentral.api import admin, errors, meta, reports, util  # noqa: E402  (routes on bp)

bp.before_request(util.limit_body_size)

__all__ = ["admin", "bp", "errors", "meta", "reports"]
