"""The embedded broker's upkeep: kombu's SQLAlchemy transport marks a message taken
(``visible`` false, ``timestamp`` the time it was taken) and never deletes it, so its table
would grow for as long as ``make run`` runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

PREFIXES = ("sqla+", "sqlalchemy+")


def is_embedded(url: str) -> bool:
    return url.startswith(PREFIXES)


def prune_taken(url: str, older_than: timedelta) -> int:
    """Delete the messages taken longer ago than ``older_than``; returns how many. A taken
    message is never handed out again by this transport, so nothing still queued goes."""
    engine = sa.create_engine(url.split("+", 1)[1], connect_args={"timeout": 30})
    # kombu writes the timestamp as naive local time (datetime.now).
    cutoff = datetime.now() - older_than  # noqa: DTZ005 - compared with kombu's naive local times
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table("kombu_message"):
                return 0
            result = conn.execute(
                sa.text("DELETE FROM kombu_message WHERE visible = :no AND timestamp < :cutoff"),
                {"no": False, "cutoff": cutoff},
            )
            return result.rowcount
    finally:
        engine.dispose()
