"""Periodic jobs, run by one Celery beat."""

from __future__ import annotations


def beat_schedule(config) -> dict:
    return {
        "sweep-outbox": {
            "task": "workers.tasks.sweep_outbox",
            "schedule": float(config.get("OUTBOX_SWEEP_EVERY_SECONDS", 10)),
            "options": {"queue": "urgent", "expires": 30},
        },
        "sweep-deliveries": {
            "task": "workers.tasks.sweep_deliveries",
            "schedule": float(config.get("DELIVERY_SWEEP_EVERY_SECONDS", 15)),
            "options": {"queue": "urgent", "expires": 30},
        },
        "escalate-overdue": {
            "task": "workers.tasks.escalate_overdue",
            "schedule": float(config.get("ESCALATION_EVERY_SECONDS", 60)),
            "options": {"queue": "normal", "expires": 120},
        },
    }
