"""The conversation with the reporter: staff ask (a unit reopens its assignment through
/assignments/{id}/transitions); the reporter, with the reference as the key, answers, adds
information, asks to reopen, and says whether they are satisfied."""

from __future__ import annotations

from meldecentral.api.auth import require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.util import json_body
from meldecentral.schemas.conversation import (
    AnswerInSchema,
    FeedbackInSchema,
    FeedbackOutSchema,
    InfoInSchema,
    PublicMessageSchema,
    QuestionInSchema,
    ReopenInSchema,
    ReporterMessageOutSchema,
)
from meldecentral.security import count_request
from meldecentral.services.reference import municipalities
from meldecentral.services.reports import conversation


def _municipality() -> str:
    return municipalities.current().code


def _reporter_body(schema) -> dict:
    # The reference is the key: writes count against the submission limits, so that guessing
    # references costs as much as sending reports.
    count_request("RATELIMIT_SUBMIT", "submit")
    return schema.load(json_body())


@bp.post("/reports/<int:report_id>/questions")
def ask_reporter(report_id: int):
    """Ask the reporter a question.
    ---
    post:
      summary: "Coordinators and the report's units: ask the reporter a question"
      description: >-
        The reporter is told by e-mail or SMS when they left an address, in their language,
        and reads the question on the tracking page; an anonymous reporter sees it there.
      operationId: askReporter
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: QuestionInSchema}}
      responses:
        201:
          description: asked
          content: {application/json: {schema: ReporterMessageOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = QuestionInSchema().load(json_body())
    message = conversation.ask(actor, report_id, data["body"])
    return ReporterMessageOutSchema().dump(message), 201


@bp.post("/track/<reference>/answers")
def answer_question(reference: str):
    """Public: the reporter answers a question.
    ---
    post:
      summary: "Public: the reporter answers a question about their report"
      operationId: answerQuestion
      requestBody:
        required: true
        content: {application/json: {schema: AnswerInSchema}}
      responses:
        201:
          description: answered
          content: {application/json: {schema: PublicMessageSchema}}
        400: MalformedJson
        404: NotFound
        409: ConversationNotNow
        415: NotJson
        422: InvalidFields
        429: TooManyFromAddress
    """
    data = _reporter_body(AnswerInSchema())
    message = conversation.answer(
        reference, _municipality(), data["body"], question_id=data["question_id"]
    )
    return PublicMessageSchema().dump(message), 201


@bp.post("/track/<reference>/info")
def add_information(reference: str):
    """Public: the reporter adds information to an open report.
    ---
    post:
      summary: "Public: the reporter adds information to a report still being handled"
      operationId: addInformation
      requestBody:
        required: true
        content: {application/json: {schema: InfoInSchema}}
      responses:
        201:
          description: added
          content: {application/json: {schema: PublicMessageSchema}}
        400: MalformedJson
        404: NotFound
        409: ConversationNotNow
        415: NotJson
        422: InvalidFields
        429: TooManyFromAddress
    """
    data = _reporter_body(InfoInSchema())
    message = conversation.add_info(reference, _municipality(), data["body"])
    return PublicMessageSchema().dump(message), 201


@bp.post("/track/<reference>/reopen")
def request_reopen(reference: str):
    """Public: the reporter asks to reopen a resolved report.
    ---
    post:
      summary: "Public: reopen a resolved report, within the municipality's period"
      operationId: requestReopen
      requestBody:
        required: true
        content: {application/json: {schema: ReopenInSchema}}
      responses:
        201:
          description: reopened; the units that closed it have it again
          content: {application/json: {schema: PublicMessageSchema}}
        400: MalformedJson
        404: NotFound
        409: ConversationNotNow
        415: NotJson
        422: InvalidFields
        429: TooManyFromAddress
    """
    data = _reporter_body(ReopenInSchema())
    message = conversation.request_reopen(reference, _municipality(), data["reason"])
    return PublicMessageSchema().dump(message), 201


@bp.post("/track/<reference>/feedback")
def give_feedback(reference: str):
    """Public: the reporter says whether they are satisfied.
    ---
    post:
      summary: "Public: satisfied with the outcome? (once, after the outcome)"
      operationId: giveFeedback
      requestBody:
        required: true
        content: {application/json: {schema: FeedbackInSchema}}
      responses:
        201:
          description: thank you
          content: {application/json: {schema: FeedbackOutSchema}}
        400: MalformedJson
        404: NotFound
        409: ConversationNotNow
        415: NotJson
        422: InvalidFields
        429: TooManyFromAddress
    """
    data = _reporter_body(FeedbackInSchema())
    row = conversation.give_feedback(
        reference, _municipality(), data["satisfied"], data["reason"], data["comment"]
    )
    return FeedbackOutSchema().dump(row), 201
