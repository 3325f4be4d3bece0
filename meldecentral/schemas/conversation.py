"""The conversation with the reporter: staff's questions, the reporter's answers, added
information, reopen requests and satisfaction, as the JSON API reads and writes them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from meldecentral.domain import conversation as rules

_BODY = validate.Length(min=1, max=rules.MAX_BODY)


class QuestionInSchema(Schema):
    body = fields.Str(
        required=True,
        validate=_BODY,
        metadata={"description": "the question; the reporter reads it on the tracking page"},
    )


class AnswerInSchema(Schema):
    body = fields.Str(required=True, validate=_BODY)
    question_id = fields.Int(
        load_default=None,
        allow_none=True,
        metadata={"description": "the question answered; default the oldest open one"},
    )


class InfoInSchema(Schema):
    body = fields.Str(required=True, validate=_BODY)


class ReopenInSchema(Schema):
    reason = fields.Str(
        required=True, validate=_BODY, metadata={"description": "why the report should reopen"}
    )


class FeedbackInSchema(Schema):
    satisfied = fields.Bool(required=True)
    reason = fields.Str(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(rules.REASONS),
        metadata={
            "description": "satisfied: one of "
            + ", ".join(rules.REASONS_SATISFIED)
            + "; not satisfied: one of "
            + ", ".join(rules.REASONS_UNSATISFIED)
        },
    )
    comment = fields.Str(
        load_default=None, allow_none=True, validate=validate.Length(max=rules.MAX_COMMENT)
    )


class FeedbackOutSchema(Schema):
    satisfied = fields.Bool()
    reason = fields.Str(allow_none=True)
    comment = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()


class ReporterMessageOutSchema(Schema):
    """As staff read it."""

    id = fields.Int()
    kind = fields.Str(metadata={"description": "question, answer, info or reopen_request"})
    body = fields.Str()
    question_id = fields.Int(allow_none=True)
    unit = fields.Function(
        lambda m: m.author_unit.code if m.author_unit else None,
        allow_none=True,
        metadata={"description": "a question's unit (none: the coordinators asked)"},
    )
    attachment_id = fields.Int(allow_none=True, metadata={"description": "the reporter's photo"})
    created_at = fields.AwareDateTime()
    answered_at = fields.AwareDateTime(allow_none=True)


class PublicMessageSchema(Schema):
    """As the reporter reads it: no names, no units."""

    id = fields.Int()
    kind = fields.Str(metadata={"description": "question, answer, info or reopen_request"})
    body = fields.Str()
    question_id = fields.Int(allow_none=True)
    created_at = fields.AwareDateTime()
    answered = fields.Function(lambda m: m.answered_at is not None)


class ReporterSideSchema(Schema):
    """What the reporter may do now."""

    question = fields.Nested(
        PublicMessageSchema, allow_none=True, metadata={"description": "the open question"}
    )
    may_add_info = fields.Bool()
    may_reopen = fields.Bool()
    reopen_until = fields.AwareDateTime(allow_none=True)
    may_give_feedback = fields.Bool()
    feedback_given = fields.Function(lambda s: s.feedback is not None)


class SatisfactionSchema(Schema):
    unit = fields.Str()
    answers = fields.Int()
    satisfied = fields.Int()
    share = fields.Float(allow_none=True, metadata={"description": "satisfied / answers"})
    reasons = fields.Dict(keys=fields.Str(), values=fields.Int())


class SatisfactionStatsSchema(Schema):
    days = fields.Int()
    units = fields.List(fields.Nested(SatisfactionSchema))
