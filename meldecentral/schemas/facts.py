"""The public facts' contract (GET /api/v1/public/facts...). The documents are built and
suppressed by services/facts/publish.py; these schemas describe them for the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields

SUPPRESSED = (
    "null: under 5, or hidden so that a number under 5 cannot be worked out from the others "
    "(docs/open-data.md)"
)


def _count() -> fields.Int:
    return fields.Int(allow_none=True, metadata={"description": SUPPRESSED})


def _number(description: str) -> fields.Float:
    return fields.Float(allow_none=True, metadata={"description": description})


class PeriodCountSchema(Schema):
    current = _count()
    previous = _count()


class PeriodRateSchema(Schema):
    current = _number("the last 52 complete weeks")
    previous = _number("the 52 weeks before")


class PeriodSchema(Schema):
    first_week = fields.Str(metadata={"description": "ISO week, e.g. 2026-W01"})
    last_week = fields.Str()
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class PeriodsSchema(Schema):
    current = fields.Nested(PeriodSchema)
    previous = fields.Nested(PeriodSchema)


class GroupSchema(Schema):
    code = fields.Str()
    label = fields.Dict(
        keys=fields.Str(), values=fields.Str(), metadata={"description": "by language"}
    )
    severity = fields.Float(metadata={"description": "weight in the safety index"})


class CountsSchema(Schema):
    total = fields.Nested(PeriodCountSchema)
    groups = fields.Dict(
        keys=fields.Str(),
        values=fields.Nested(PeriodCountSchema),
        metadata={"description": "by group code"},
    )


class CityFactsSchema(CountsSchema):
    population = fields.Int(allow_none=True)
    weighted_rate = fields.Nested(PeriodRateSchema)


class SurveySchema(Schema):
    year = fields.Int()
    safe_neighbourhood = fields.Float(metadata={"description": "per cent"})
    safe_evening = fields.Float(metadata={"description": "per cent, in the evening and at night"})
    illustrative = fields.Bool(metadata={"description": "demo values, not a survey's"})


class SafetyIndexSchema(Schema):
    value = _number("0-100, higher is safer; null when no component can be computed")
    components = fields.Dict(
        keys=fields.Str(),
        values=fields.Float(allow_none=True),
        metadata={"description": "rate, trend, survey: each 0-100 (docs/safety-index.md)"},
    )
    weights = fields.Dict(
        keys=fields.Str(), values=fields.Float(), metadata={"description": "as applied"}
    )
    weighted_rate = fields.Nested(PeriodRateSchema)
    city_weighted_rate = fields.Nested(PeriodRateSchema)
    survey = fields.Nested(SurveySchema, allow_none=True)


class DistrictFactsSchema(CountsSchema):
    id = fields.Int()
    number = fields.Int()
    name = fields.Str()
    population = fields.Int(allow_none=True)
    population_year = fields.Int(allow_none=True)
    safety_index = fields.Nested(SafetyIndexSchema)


class LicenceSchema(Schema):
    name = fields.Str()
    url = fields.Str()


class MunicipalityRefSchema(Schema):
    code = fields.Str()
    name = fields.Str()


class FactsBaseSchema(Schema):
    municipality = fields.Nested(MunicipalityRefSchema)
    threshold = fields.Int(metadata={"description": "counts under this are never published"})
    periods = fields.Nested(PeriodsSchema)
    groups = fields.List(fields.Nested(GroupSchema))
    city = fields.Nested(CityFactsSchema)
    licence = fields.Nested(LicenceSchema)


class FactsSchema(FactsBaseSchema):
    districts = fields.List(fields.Nested(DistrictFactsSchema))


class OneDistrictFactsSchema(FactsBaseSchema):
    district = fields.Nested(DistrictFactsSchema)
