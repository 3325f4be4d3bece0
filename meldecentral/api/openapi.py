"""The OpenAPI 3 document of /api/v1, generated from the views and the marshmallow schemas.

Each view's docstring carries its own operations, in YAML after a ``---`` line (apispec's
FlaskPlugin reads them): summary, parameters, request body, responses. There, schemas are named
by class (``ReportInSchema``), and the MarshmallowPlugin makes each a component with every field
rule; an answer shared by many operations is named by its component (``401: Unauthorized``),
an error body by ``Error``. What is set up here: the document's info, servers and security
scheme, the shared components, and each path's parameters, read from its URL rule.
"""

from __future__ import annotations

import re

from apispec import APISpec, yaml_utils
from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from apispec.ext.marshmallow.common import resolve_schema_cls
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

from meldecentral.api.blueprint import bp
from meldecentral.schemas.attachments import AttachmentOutSchema
from meldecentral.schemas.delivery import DeliveryOutSchema
from meldecentral.schemas.errors import ErrorSchema
from meldecentral.schemas.reports import (
    AssignmentOutSchema,
    NoteOutSchema,
    ReportOutSchema,
)

NOT_EMERGENCY = (
    "Not an emergency service: if someone is in danger or a crime is happening now, "
    "call 112; for the police when it is not urgent, call 114."
)

# Published names that are not the class name less "Schema" (the default).
_NAMES = {
    AttachmentOutSchema: "Attachment",
    AssignmentOutSchema: "Assignment",
    DeliveryOutSchema: "Delivery",
    NoteOutSchema: "Note",
    ReportOutSchema: "Report",
}
# Names the v1 document also gave these components; kept, as references, for clients that
# use them.
_ALIASES = {"AssignmentOut": "Assignment", "NoteOut": "Note"}

_ERROR = {"application/json": {"schema": "Error"}}
_RESPONSES = {
    "MalformedJson": "malformed JSON",
    "Unauthorized": "invalid or missing staff token",
    "Forbidden": "your role may not",
    "AdministratorsOnly": "administrators only",
    "CoordinatorsOnly": "coordinators only",
    "NotFound": "not found, or not yours to see",
    "NotAllowedFromStatus": "not allowed from the current status",
    "NotJson": "body is not JSON",
    "InvalidFields": "invalid fields",
    "ConversationNotNow": (
        "not now (code no_question, answered, not_open, not_reopenable or no_feedback)"
    ),
}

# Ids are positive and fit PostgreSQL's integer; a larger one is simply not found.
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")

# The document itself and its HTML page are not operations of the API.
_NOT_DOCUMENTED = {"api.openapi", "api.docs"}


def _component_name(schema) -> str:
    return _NAMES.get(resolve_schema_cls(schema)) or resolver(schema)


class _ViewPlugin(FlaskPlugin):
    """FlaskPlugin, with paths relative to the server URL (the blueprint's prefix), and each
    path's parameters from its URL rule, so that no docstring repeats them: an ``<int:...>``
    is an id, anything else a string."""

    def path_helper(self, path=None, operations=None, parameters=None, *, view=None, **kwargs):
        path = super().path_helper(path, operations, parameters, view=view, **kwargs)
        rule = self._rule_for_view(view, app=kwargs.get("app"))
        for converter, name in _RULE_ARGUMENT.findall(rule.rule):
            schema = dict(_ID) if converter == "int" else {"type": "string"}
            parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return path.removeprefix(bp.url_prefix)


def _new_spec() -> APISpec:
    spec = APISpec(
        title="Meldecentral API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[_ViewPlugin(), MarshmallowPlugin(schema_name_resolver=_component_name)],
        info={"description": "Municipal incident and concern reports. " + NOT_EMERGENCY},
        servers=[{"url": bp.url_prefix}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    for name, description in _RESPONSES.items():
        spec.components.response(name, {"description": description, "content": _ERROR})
    spec.components.header(
        "RetryAfter",
        {"description": "seconds until the limit resets", "schema": {"type": "integer"}},
    )
    spec.components.response(
        "TooManyFromAddress",
        {
            "description": "too many requests from this address; try later",
            "content": _ERROR,
            "headers": {"Retry-After": "RetryAfter"},
        },
    )
    return spec


def build_spec(app: Flask) -> dict:
    """The document, with an operation for each method of each view under /api/v1."""
    spec = _new_spec()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in _NOT_DOCUMENTED:
            continue
        view = app.view_functions[rule.endpoint]
        operations = yaml_utils.load_operations_from_docstring(view.__doc__ or "")
        missing = set(rule.methods or ()) - {"HEAD", "OPTIONS"} - {m.upper() for m in operations}
        if missing:
            # A view left out of the document would be left out of its tests too.
            raise RuntimeError(f"{rule.endpoint}: no operation in its docstring for {missing}")
        spec.path(view=view, app=app)
    for alias, name in _ALIASES.items():
        spec.components.schema(alias, {"$ref": f"#/components/schemas/{name}"})
    return spec.to_dict()
