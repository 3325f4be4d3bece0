"""The workers' own command line: ``flask --app wsgi outbox-relay``."""

from __future__ import annotations

import signal
import threading

from flask import Flask

from workers.relay import run_relay


def register(app: Flask) -> None:
    @app.cli.command("outbox-relay", with_appcontext=False)
    def outbox_relay():
        """Run an outbox relay as a process of its own, beside beat's relay thread
        (OUTBOX_RELAY=process; see workers/relay.py), until SIGTERM or SIGINT."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        run_relay(app, stop)
