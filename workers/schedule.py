"""Periodic jobs, run by one Celery beat."""

from __future__ import annotations

from workers.broker import is_embedded


def beat_schedule(config) -> dict:
    schedule = {
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
        "refresh-stats": {
            "task": "workers.tasks.refresh_stats",
            "schedule": float(config.get("STATS_REFRESH_EVERY_SECONDS", 60)),
            "options": {"queue": "normal", "expires": 120},
        },
        "publish-facts": {
            "task": "workers.tasks.publish_facts",
            "schedule": float(config.get("FACTS_PUBLISH_EVERY_SECONDS", 3600)),
            "options": {"queue": "normal", "expires": 1800},
        },
        "refresh-dashboard": {
            "task": "workers.tasks.refresh_dashboard",
            "schedule": float(config.get("DASHBOARD_TIMES_EVERY_SECONDS", 300)),
            "options": {"queue": "normal", "expires": 240},
        },
        "escalate-overdue": {
            "task": "workers.tasks.escalate_overdue",
            "schedule": float(config.get("ESCALATION_EVERY_SECONDS", 60)),
            "options": {"queue": "normal", "expires": 120},
        },
        # Daily: each run may raise a false alarm with probability alpha (docs/hotspots.md).
        "detect-hotspots": {
            "task": "workers.tasks.detect_hotspots",
            "schedule": float(config.get("HOTSPOT_SCAN_EVERY_SECONDS", 86400)),
            "options": {"queue": "normal", "expires": 3600},
        },
        "close-hotspots": {
            "task": "workers.tasks.close_hotspots",
            "schedule": float(config.get("HOTSPOT_CLOSE_EVERY_SECONDS", 600)),
            "options": {"queue": "normal", "expires": 600},
        },
        "apply-retention": {
            "task": "workers.tasks.apply_retention",
            "schedule": float(config.get("RETENTION_EVERY_SECONDS", 3600)),
            "options": {"queue": "normal", "expires": 1800},
        },
    }
    if is_embedded(config.get("CELERY_BROKER_URL", "")):
        schedule["prune-broker"] = {
            "task": "workers.tasks.prune_broker",
            "schedule": 3600.0,
            "options": {"queue": "normal", "expires": 1800},
        }
    return schedule
