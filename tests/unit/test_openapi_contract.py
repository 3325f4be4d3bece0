"""The published OpenAPI document keeps everything it has promised.

tests/data/openapi-v1.json is the v1 document as published. The document the app serves must
hold all of it: every path and method, every parameter (by name and place: required, schema),
request body, response code with its content and headers, every component schema with its
properties, types, required fields, constraints and descriptions, security requirements, tags,
info and servers. Anything may be added; nothing may be dropped or changed.

$refs are followed on both sides, so a component may be renamed or inlined as long as what it
describes stays. Path-level parameters count for each operation of the path.

When the contract grows on purpose, the snapshot may be written anew from the served document:

    .venv/bin/python -c "from meldecentral import create_app; import json; \
app = create_app('testing', {'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); \
print(json.dumps(app.test_client().get('/api/v1/openapi.json').json, indent=1, sort_keys=True))" \
> tests/data/openapi-v1.json

When it shrinks, clients break: that is a new API version, not a new snapshot.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from meldecentral import create_app
from meldecentral.api.openapi import build_spec

SNAPSHOT = Path(__file__).parents[1] / "data" / "openapi-v1.json"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def served() -> dict:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    res = app.test_client().get("/api/v1/openapi.json")
    assert res.status_code == 200
    return res.json


def _resolved(doc: dict, node, seen: tuple = ()):
    """``node`` with every local $ref replaced by what it points to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:  # a schema that nests itself: compare it by name from here on
                return {"$ref": ref}
            target = doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _resolved(doc, target, (*seen, ref))
        return {key: _resolved(doc, value, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(doc, value, seen) for value in node]
    return node


def normalised(doc: dict) -> dict:
    """The document with $refs followed and each operation's parameters (its path's and its
    own, the latter winning) as a mapping keyed by "in name"."""
    doc = _resolved(doc, copy.deepcopy(doc))
    for item in doc.get("paths", {}).values():
        shared = item.pop("parameters", [])
        for method, operation in item.items():
            if method in METHODS:
                params = [*shared, *operation.get("parameters", [])]
                operation["parameters"] = {f"{p['in']} {p['name']}": p for p in params}
    return doc


def losses(before, after, where: str = "") -> Iterator[str]:
    """What ``before`` says that ``after`` does not: a key gone, a value changed, a list item
    with no counterpart (lists are sets here: enum, required, security, servers, tags)."""
    if isinstance(before, dict):
        if not isinstance(after, dict):
            yield f"{where or '/'}: was an object, now {json.dumps(after)[:80]}"
            return
        for key, value in before.items():
            if key not in after:
                yield f"{where}/{key}: gone"
            else:
                yield from losses(value, after[key], f"{where}/{key}")
    elif isinstance(before, list):
        if not isinstance(after, list):
            yield f"{where}: was a list, now {json.dumps(after)[:80]}"
            return
        for item in before:
            if not any(next(losses(item, other), None) is None for other in after):
                yield f"{where}: {json.dumps(item, sort_keys=True)[:120]} gone"
    elif type(before) is not type(after) or before != after:
        yield f"{where}: {json.dumps(before)[:80]} became {json.dumps(after)[:80]}"


def test_served_document_keeps_the_published_contract(served):
    before = normalised(json.loads(SNAPSHOT.read_text()))
    lost = list(losses(before, normalised(served)))
    assert not lost, "the OpenAPI document lost:\n" + "\n".join(lost)


def test_a_view_without_its_operation_stops_the_document():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.add_url_rule("/api/v1/forgotten", "api.forgotten", lambda: {}, methods=["GET", "POST"])
    with pytest.raises(RuntimeError, match=r"api\.forgotten: .*'GET'"):
        build_spec(app)


def _drop_response(doc):
    del doc["paths"]["/track/{reference}"]["get"]["responses"]["429"]


def _drop_retry_after(doc):
    del doc["paths"]["/reports"]["post"]["responses"]["429"]["headers"]["Retry-After"]


def _drop_constraint(doc):
    del doc["components"]["schemas"]["ReportIn"]["properties"]["text"]["maxLength"]


def _drop_required_field(doc):
    doc["components"]["schemas"]["NoteIn"]["required"].remove("visibility")


def _drop_enum_value(doc):
    doc["components"]["schemas"]["ReportIn"]["properties"]["urgency"]["enum"].remove("high")


def _drop_description(doc):
    del doc["components"]["schemas"]["ReportIn"]["properties"]["district"]["description"]


def _drop_path_parameter(doc):
    for item in doc["paths"].values():
        item.pop("parameters", None)
        for operation in item.values():
            if isinstance(operation, dict):
                operation["parameters"] = [
                    p for p in operation.get("parameters", []) if p["in"] != "path"
                ]


def _loosen_parameter(doc):
    params = doc["paths"]["/deliveries/dead"]["get"]["parameters"]
    next(p for p in params if p["name"] == "limit")["schema"]["maximum"] = 10_000


def _drop_security(doc):
    del doc["paths"]["/routing/rules"]["put"]["security"]


def _drop_operation(doc):
    del doc["paths"]["/reports/{report_id}"]["patch"]


@pytest.mark.parametrize(
    "damage",
    [
        _drop_response,
        _drop_retry_after,
        _drop_constraint,
        _drop_required_field,
        _drop_enum_value,
        _drop_description,
        _drop_path_parameter,
        _loosen_parameter,
        _drop_security,
        _drop_operation,
    ],
)
def test_a_loss_is_noticed(served, damage):
    damaged = copy.deepcopy(served)
    # Damage the served document where it keeps the thing itself, not a $ref to it.
    resolved = normalised(damaged)
    for item in resolved["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                operation["parameters"] = list(operation["parameters"].values())
    damage(resolved)
    assert next(losses(normalised(served), normalised(resolved)), None) is not None
