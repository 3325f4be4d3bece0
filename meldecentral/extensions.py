"""Unbound extension objects; ``create_app`` initialises them."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Deterministic constraint names so Alembic migrations work on SQLite and PostgreSQL alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
db = SQLAlchemy(metadata=metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Pages, styles and scripts compressed (gzip or brotli); API JSON is small and left alone.
compress = Compress()
# Rate limits per client address (see meldecentral.security). Storage down (Redis): requests
# are served, a warning is logged, and limits are counted in this process's memory meanwhile.
limiter = Limiter(
    key_func=get_remote_address,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    # No X-RateLimit-* headers on every response: each would cost another Redis round trip.
    # A 429 carries Retry-After (create_app's error handler).
    headers_enabled=False,
)
