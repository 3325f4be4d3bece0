"""Periodic jobs, run by one Celery beat."""

from __future__ import annotations


def beat_schedule(config) -> dict:
    return {
        "sweep-outbox": {
            "task": "workers.tasks.sweep_outbox",
            "schedule": float(config.get("OUTBOX_SWEEP_EVERY_SECONDS", 10)),
            "options": {"queue": "urgent", "expires": 30},
        },
    }
