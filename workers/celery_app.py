"""Entry point for ``celery --app workers.celery_app worker|beat``."""

from celery.signals import beat_init

from meldecentral import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]


@beat_init.connect
def _relay_beside_beat(sender=None, **_kwargs) -> None:
    """With OUTBOX_RELAY=process, the beat process runs the outbox relay as a thread: the
    production stack needs no process of its own for it (workers/relay.py)."""
    if flask_app.config.get("OUTBOX_RELAY") == "process":
        from workers.relay import start_relay_thread

        start_relay_thread(flask_app)
