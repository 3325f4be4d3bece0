"""The staff pages' exports: the list a page shows, with its filters, as a CSV or XLSX file
(services/worklists/export.py)."""

from __future__ import annotations

from flask import Response, stream_with_context

from meldecentral.services.actor import Actor
from meldecentral.services.worklists import export as exporting
from meldecentral.web.common import ui_language


def export_response(who: Actor, name: str, fmt: str, filters: dict) -> Response:
    """The download, streamed; headers in the page's language."""
    export = exporting.export_reports(
        who, name, fmt, filters, channel="web", language=ui_language()
    )
    return Response(
        stream_with_context(exporting.body(export, fmt)),
        mimetype=exporting.MIMETYPES[fmt],
        headers=exporting.response_headers(export, fmt),
    )
