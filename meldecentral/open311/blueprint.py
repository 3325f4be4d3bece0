"""The Open311 blueprint, apart from the package (as for the JSON API)."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
