"""The routing rules as the administrators' API takes and gives them (docs/routing.md)."""

from __future__ import annotations

from marshmallow import Schema, fields


class _RuleObjects(fields.List):
    """A list of rule objects, documented as such, of which only the list is checked here: the
    domain's parser (domain.routing.parse_rules) checks each rule and names the rule and the
    field in its messages."""

    def __init__(self, **kwargs):
        super().__init__(fields.Dict(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return value


class RuleListSchema(Schema):
    rules = _RuleObjects(
        required=True,
        error_messages={
            "required": "a list of rules",
            "null": "a list of rules",
            "invalid": "a list of rules",
        },
        metadata={"description": "rules as in docs/routing.md"},
    )
