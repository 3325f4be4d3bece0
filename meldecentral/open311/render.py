"""Open311's two formats from one structure: XML (the spec's default, built with the
standard library's ElementTree) and JSON. A list is a root element of items in XML and a JSON
array; an empty value is an empty element in XML and null in JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask import Response

XML = "xml"
JSON = "json"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}

# The element of each item of a nested list, by the list's name.
ITEM_NAMES = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def text(value) -> str | None:
    """A value as Open311 writes it: W3C datetimes in UTC, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # isoformat is several times cheaper than strftime, for a few hundred per answer.
        return value.astimezone(UTC).replace(microsecond=0).isoformat()[:-6] + "Z"
    return str(value)


def _json_default(value):
    if isinstance(value, datetime):
        return text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _add(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    kind = type(value)
    if kind is str:  # most values: no conversion (a list of requests has some 1,700)
        element.text = value
    elif kind is dict:
        for key, inner in value.items():
            _add(element, key, inner)
    elif kind is list or kind is tuple:
        for item in value:
            _add(element, ITEM_NAMES[name], item)
    elif value is not None:
        element.text = text(value)


def xml_document(root: str, item: str | None, body) -> bytes:
    """``body`` a list of dicts (each an ``item``) or one dict (the root's children)."""
    element = ET.Element(root)
    if isinstance(body, list):
        for entry in body:
            _add(element, item, entry)
    else:
        for key, value in body.items():
            _add(element, key, value)
    # Serialised to text and encoded once: ElementTree's own encoding writes through a codec
    # stream element by element, the larger part of a long list's time. The declaration is
    # the spec's (UTF-8 named), which tostring would give only with that slower path.
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def respond(fmt: str, root: str, item: str | None, body, status: int = 200) -> Response:
    if fmt == JSON:
        payload = json.dumps(body, ensure_ascii=False, default=_json_default).encode()
    else:
        payload = xml_document(root, item, body)
    return Response(payload, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """The spec's error format: a list of (code, description)."""
    body = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", "error", body, status)


def format_of(path: str) -> str:
    """The format a path asks for; XML, the spec's default, unless it ends in .json."""
    return JSON if path.endswith(".json") else XML
