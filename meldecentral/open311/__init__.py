"""Open311 GeoReport v2 at /open311/v2 (docs/open311.md): a door beside the JSON API, over the
same services. Importing the view module puts its routes on ``bp``."""

from meldecentral.open311 import views
from meldecentral.open311.blueprint import bp

__all__ = ["bp", "views"]
