"""The API's blueprint, apart from the package so that each view module can add its routes to it
without importing the package that imports them."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
