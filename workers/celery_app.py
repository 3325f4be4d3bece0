"""Entry point for ``celery --app workers.celery_app worker|beat``."""

from meldecentral import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
