"""Text that cannot be stored, refused at the door with the field that carries it.

PostgreSQL's text types cannot hold a NUL character, and UTF-8 cannot encode an unpaired
surrogate (JSON's ``"\\ud800"``): either, left to reach the database, was a 500. A body nested
too deep for the JSON parser was one too. Each is the client's mistake, answered 400 or 422 with
the field named, before any work is done.
"""

from __future__ import annotations

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REASON = "contains a character that cannot be stored (NUL or an unpaired surrogate)"


def unstorable_field(data, path: str = "") -> str | None:
    """The dotted path of the first string (value or key) in ``data`` that cannot be stored."""
    if isinstance(data, str):
        return (path or "body") if UNSTORABLE.search(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and UNSTORABLE.search(key):
                return name
            found = unstorable_field(value, name)
            if found:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = unstorable_field(value, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


def unstorable_parameter(multidict) -> str | None:
    """The first query or form field (name or value) that cannot be stored."""
    for name, value in multidict.items(multi=True):
        for text in (name, value):
            if isinstance(text, str) and UNSTORABLE.search(text):
                return name or "?"
    return None
