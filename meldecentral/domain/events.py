"""The topics of the domain events recorded in the outbox (meldecentral.db.outbox) and
handled by the workers (workers.handlers)."""

REPORT_CREATED = "report.created"
REPORT_CHANGED = "report.changed"  # category or place changed: route again
REPORT_STATUS_CHANGED = "report.status_changed"
ASSIGNMENT_STATUS_CHANGED = "assignment.status_changed"
NOTE_ADDED = "note.added"
REPORTER_ASKED = "reporter.asked"  # staff asked the reporter a question: tell them
DELIVERY_RESEND = "delivery.resend"  # a coordinator resends a dead letter: a worker sends it
