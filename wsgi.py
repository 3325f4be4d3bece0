"""Entry point for gunicorn and ``flask --app wsgi``."""

from meldecentral import create_app

app = create_app()
