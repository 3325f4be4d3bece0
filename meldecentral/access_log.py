"""gunicorn's access line (config/gunicorn.py: ``logger_class``), one per request, through the
"gunicorn.access" logger and so as JSON with the app's formatter (meldecentral/logs.py).

It carries what an operator needs and nothing personal: method, path without the query string
(a query may carry a reference or filters), status, bytes sent, duration and the request id. Not
the client's address: behind the proxy (TRUSTED_PROXIES) it is the resident's IP address, which
is personal data; the proxy's own log has it, for as long as its retention allows.

gunicorn's own ``access`` builds a dictionary of some thirty atoms, every request and response
header among them, for a format string to pick six from: a share of a submission's CPU
(bench/README.md) that this spares.
"""

from __future__ import annotations

import logging

from gunicorn import glogging


class AccessLogger(glogging.Logger):
    def access(self, resp, req, environ, request_time) -> None:
        if not (self.access_log_enabled and self.access_log.isEnabledFor(logging.INFO)):
            return
        try:
            status = resp.status
            if isinstance(status, str):
                status = status.split(None, 1)[0]
            request_id = next(
                (value for name, value in resp.headers if name.lower() == "x-request-id"), None
            )
            method = environ.get("REQUEST_METHOD")
            path = environ.get("PATH_INFO")
            sent = getattr(resp, "sent", None)
            ms = request_time.seconds * 1000 + request_time.microseconds // 1000
            record = self.access_log.makeRecord(
                self.access_log.name,
                logging.INFO,
                __file__,
                0,
                '"%s %s" %s %s %sms rid=%s',
                (method, path, status, "-" if sent is None else sent, ms, request_id or "-"),
                None,
            )
            # Set after the record is made: the log record factory sets request_id (none here,
            # after the request), and makeRecord refuses extras that overwrite an attribute.
            record.request_id = request_id
            record.method, record.path, record.status = method, path, int(status)
            record.bytes, record.duration_ms = sent, ms
            self.access_log.handle(record)
        except Exception:  # noqa: BLE001 - as gunicorn's own: a bad line must not fail the request
            self.exception("access log line failed")
