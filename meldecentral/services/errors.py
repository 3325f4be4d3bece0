"""Errors services raise; the API and web layers map them to HTTP."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_error"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class EmergencyRedirected(ServiceError):
    status = 422
    code = "emergency"


class ConfirmationNeeded(ServiceError):
    """The text suggests danger: the reporter confirms that nobody is in danger right now
    (field ``confirm_not_emergency``) before the report is stored."""

    status = 422
    code = "confirm_not_emergency"

    def __init__(self, message: str, fields: dict, signals: tuple[str, ...] = ()):
        super().__init__(message, fields)
        self.signals = signals  # why it asks: "words:<kind>", "minor_involved"

    @property
    def words(self) -> bool:
        return any(s.startswith("words:") for s in self.signals)


class TooLarge(ServiceError):
    status = 413
    code = "too_large"
