"""The path prefix of a municipality, ``/k/<prefix>/...``, for a deployment that reaches a
municipality by path rather than by host name (development, where host names need DNS, or a
shared host). The prefix is moved from PATH_INFO into SCRIPT_NAME before Flask sees the
request, so the routes stay as they are and ``url_for`` builds every link, redirect and
asset path with the prefix kept. The prefix is left in the environ for
``services.reference.municipalities.resolve_request``, which finds the municipality (an unknown
prefix is a 404 there)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from meldecentral.services.reference.municipalities import PREFIX_KEY


class MunicipalityPrefix:
    def __init__(self, app: Callable, root: str) -> None:
        self.app, self.root = app, root
        self.pattern = re.compile(rf"^/{re.escape(root)}/([a-z0-9][a-z0-9-]{{0,39}})(/.*)?$")

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = self.pattern.match(environ.get("PATH_INFO", ""))
        if match:
            prefix = match.group(1)
            environ["SCRIPT_NAME"] = f"{environ.get('SCRIPT_NAME', '')}/{self.root}/{prefix}"
            environ["PATH_INFO"] = match.group(2) or "/"
            environ[PREFIX_KEY] = prefix
        return self.app(environ, start_response)
