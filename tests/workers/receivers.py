"""Local receivers for worker tests: a webhook endpoint and an SMTP server."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from notifications.webhook import verify


class WebhookReceiver:
    """Answers with scripted status codes (then 200); records each request and its arrival."""

    def __init__(self, secret: str, codes=()):
        self.secret = secret
        self.codes = list(codes)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()  # cleared: each request is recorded, then held
        self.gate.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    code = receiver.codes.pop(0) if receiver.codes else 200
                    receiver.requests.append(
                        {
                            "at": time.time(),
                            "headers": dict(self.headers),
                            "body": body,
                            "code": code,
                            "valid": verify(receiver.secret, dict(self.headers), body),
                        }
                    )
                receiver.gate.wait(30)
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._handler = Handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict]:
        """Successful requests, one per webhook-id (a receiver deduplicates on it)."""
        with self.lock:
            ok = [r for r in self.requests if r["code"] == 200]
        seen, out = set(), []
        for r in ok:
            if r["headers"]["webhook-id"] not in seen:
                seen.add(r["headers"]["webhook-id"])
                out.append(r | {"payload": json.loads(r["body"])})
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class OutageReceiver(WebhookReceiver):
    """A receiver that can go down (nothing listens: connection refused) and come back on
    the same address."""

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def up(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def once_each(self) -> dict[str, int]:
        """How many times each webhook-id was accepted (200)."""
        with self.lock:
            ids = [r["headers"]["webhook-id"] for r in self.requests if r["code"] == 200]
        return {i: ids.count(i) for i in set(ids)}


class SmtpReceiver:
    def __init__(self):
        self.messages: list = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                receiver.messages.append(envelope)
                return "250 OK"

        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self):
        self.controller.stop()
