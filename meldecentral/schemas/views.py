"""Saved views' contract: a view's name, list, sharing and filters; the filters of each list.

A view's ``filters`` is a JSON object whose keys are the list's own query parameters, checked
by the list's schema (``TriageQuerySchema``, ``InboxQuerySchema``) less its paging: a parameter
added to a list (a text search ``q``) is a filter a view can keep, with the same rules, and
nothing else is (an unknown key is refused, naming it)."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from meldecentral.domain import workflow
from meldecentral.domain.reasons import N_
from meldecentral.schemas.queues import InboxQuerySchema, TriageQuerySchema

LIST_KINDS = ("triage", "inbox")
NAME_MAX = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_A_FILTER = N_("not a filter of this list")


class TriageFilterSchema(TriageQuerySchema):
    """The triage queue's filters. Its page offers closed statuses too (to look back), so a
    view may keep one."""

    error_messages = {"unknown": _NOT_A_FILTER}
    status = fields.Str(
        validate=validate.OneOf(workflow.REPORT_STATUSES),
        metadata={"description": "one status; default: every open status"},
    )

    class Meta:
        exclude = ("page", "per_page")


class InboxFilterSchema(InboxQuerySchema):
    """A unit inbox's filters."""

    error_messages = {"unknown": _NOT_A_FILTER}

    class Meta:
        exclude = ("limit", "offset")


FILTER_SCHEMAS: dict[str, Schema] = {
    "triage": TriageFilterSchema(),
    "inbox": InboxFilterSchema(),
}


def filter_names(kind: str) -> tuple[str, ...]:
    schema = FILTER_SCHEMAS[kind]
    return tuple(f.data_key or name for name, f in schema.load_fields.items())


def load_filters(kind: str, data) -> dict:
    """``data`` checked against the list's filters: the stored form, with the values as the
    list's schema loads them, and only those given and not empty (a False flag, an empty text
    are the same as none). Raises ValidationError ``{"filters": {key: [reasons]}}``."""
    if not isinstance(data, dict):
        raise ValidationError({"filters": ["must be a JSON object"]})
    schema = FILTER_SCHEMAS[kind]
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        raise ValidationError({"filters": exc.messages}) from None
    given = {schema.fields[key].attribute or key for key in data if key in schema.fields}
    return {
        k: v for k, v in schema.dump(loaded).items() if k in given and v not in (None, "", False)
    }


def lenient_filters(kind: str, data) -> dict:
    """A stored view's filters as the list's schema reads them today: a key the list no longer
    has, or a value it no longer takes, is left out rather than failing the list."""
    if not isinstance(data, dict):
        return {}
    data = dict(data)
    for _ in range(len(data) + 1):
        try:
            return load_filters(kind, data)
        except ValidationError as exc:
            bad = exc.messages.get("filters") if isinstance(exc.messages, dict) else None
            if not isinstance(bad, dict):
                return {}
            data = {k: v for k, v in data.items() if k not in bad}
    return {}


def _name(value: str) -> None:
    if not value.strip() or _CONTROL.search(value):
        raise ValidationError(N_("a name with letters, without line breaks or control characters"))


def _filters_description() -> str:
    keys = "; ".join(f"{kind}: {', '.join(filter_names(kind))}" for kind in LIST_KINDS)
    return (
        "the list's query parameters to apply, less its paging, as the list takes them ("
        + keys
        + "); any other key is refused"
    )


_NAME = fields.Str(
    validate=[validate.Length(min=1, max=NAME_MAX), _name],
    metadata={"description": "unique among your views of the list, whatever the case"},
)
_FILTERS = fields.Dict(keys=fields.Str(), metadata={"description": _filters_description()})


class SavedViewInSchema(Schema):
    name = fields.Str(required=True, validate=_NAME.validators, metadata=_NAME.metadata)
    list_kind = fields.Str(
        data_key="list",
        validate=validate.OneOf(LIST_KINDS),
        metadata={
            "description": "the list it filters; default: your role's (coordinators: "
            "triage, unit members: inbox)"
        },
    )
    filters = fields.Dict(keys=fields.Str(), load_default=dict, metadata=_FILTERS.metadata)
    shared = fields.Bool(
        load_default=False,
        metadata={"description": "shared with your unit (coordinators: with each other)"},
    )
    default = fields.Bool(load_default=False, metadata={"description": "make it your default"})


class SavedViewPatchSchema(Schema):
    name = fields.Str(validate=_NAME.validators, metadata=_NAME.metadata)
    filters = fields.Dict(
        keys=fields.Str(),
        metadata={"description": "replace the filters; " + _filters_description()},
    )
    shared = fields.Bool(metadata={"description": "shared with your unit, or private"})


class SavedViewQuerySchema(Schema):
    list_kind = fields.Str(
        data_key="list",
        validate=validate.OneOf(LIST_KINDS),
        metadata={"description": "default: your role's list"},
    )


class SavedViewOutSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    list_kind = fields.Str(data_key="list", validate=validate.OneOf(LIST_KINDS))
    filters = fields.Dict(keys=fields.Str())
    shared = fields.Bool(metadata={"description": "shared with the unit named in 'unit'"})
    unit = fields.Str(allow_none=True, metadata={"description": "the unit it is shared with"})
    mine = fields.Bool(metadata={"description": "you own it (and may change or delete it)"})
    owner_name = fields.Str()
    default = fields.Bool(metadata={"description": "your default view of the list"})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class SavedViewListSchema(Schema):
    items = fields.List(fields.Nested(SavedViewOutSchema))
    default_id = fields.Int(allow_none=True, metadata={"description": "your default view's id"})


class ViewParamSchema(Schema):
    view = fields.Str(
        validate=validate.Regexp(r"^(default|[1-9][0-9]{0,9})$"),
        metadata={
            "description": "apply a saved view's filters (its id, or 'default' for yours); "
            "filters given in the query as well take precedence"
        },
    )
