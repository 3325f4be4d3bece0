"""The staff's statistics per week or month (GET /api/v1/stats/periods); docs/statistics.md
defines each figure."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from meldecentral.services.worklists.periods import UNITS


class PeriodsQuerySchema(Schema):
    unit = fields.Str(
        load_default="month",
        validate=validate.OneOf(tuple(UNITS)),
        metadata={"description": "count per local calendar month or ISO week"},
    )
    at = fields.Date(
        load_default=None,
        validate=validate.Range(min=date(1900, 1, 1)),
        metadata={
            "description": "a day of the period the districts are for (default: the last "
            "complete period); a day in the future means the current one"
        },
    )


_KINDS = fields.Dict(
    keys=fields.Str(),
    values=fields.Int(),
    metadata={"description": "reports per kind (crime, concern, need, ...)"},
)
_CHANGE = fields.Float(
    allow_none=True,
    metadata={"description": "per cent against the same period a year before; null from 0"},
)


class PeriodRowSchema(Schema):
    start = fields.Date()
    end = fields.Date(metadata={"description": "the period's last day"})
    complete = fields.Bool(metadata={"description": "false for the current period"})
    kinds = _KINDS
    total = fields.Int()
    last_year = fields.Int(metadata={"description": "the same period a year before"})
    change_pct = _CHANGE


class DistrictPeriodSchema(Schema):
    number = fields.Int(allow_none=True, metadata={"description": "null: no district"})
    name = fields.Str()
    kinds = _KINDS
    total = fields.Int()
    last_year = fields.Int()
    change_pct = _CHANGE
    population = fields.Int(allow_none=True, metadata={"description": "residents"})
    per_1000 = fields.Float(allow_none=True, metadata={"description": "reports per 1,000"})
    against_city = fields.Float(
        allow_none=True,
        metadata={"description": "per_1000 against the city's (1.0: the city's rate)"},
    )


class PeriodStatsSchema(Schema):
    unit = fields.Str()
    kinds = fields.List(fields.Str())
    periods = fields.List(
        fields.Nested(PeriodRowSchema),
        metadata={"description": "the last 13 periods, oldest first, the current one last"},
    )
    start = fields.Date(metadata={"description": "the period the districts are for"})
    end = fields.Date()
    complete = fields.Bool()
    city = fields.Nested(DistrictPeriodSchema)
    districts = fields.List(fields.Nested(DistrictPeriodSchema))
