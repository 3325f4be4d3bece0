"""What people read for the codes the domain uses (statuses, urgencies, roles, history actions),
through the translation catalogues."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REPORT_STATUS = {
    "received": _l("Received"),
    "triaged": _l("Being assessed"),
    "routed": _l("Sent to the responsible unit"),
    "in_progress": _l("Being followed up"),
    "resolved": _l("Completed"),
    "rejected": _l("Rejected"),
    "merged": _l("Merged with another report"),
}

ASSIGNMENT_STATUS = {
    "routed": _l("Not yet acknowledged"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "closed": _l("Closed"),
}

# The button that moves an assignment to each status.
ASSIGNMENT_ACTION = {
    "acknowledged": _l("Acknowledge"),
    "in_progress": _l("Mark as in progress"),
    "closed": _l("Close with an outcome"),
}

URGENCY = {"high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}

ROLE = {
    "street_worker": _l("Street worker"),
    "coordinator": _l("Coordinator"),
    "unit_member": _l("Unit member"),
    "admin": _l("Administrator"),
    "system": _l("System"),
    "resident": _l("Resident"),
}

HISTORY_ACTION = {
    "created": _l("Report received"),
    "status": _l("Status changed"),
    "assigned": _l("Sent to a unit"),
    "assignment_status": _l("Unit status changed"),
    "note": _l("Note added"),
    "changed": _l("Category or place corrected"),
    "escalated": _l("Deadline passed: escalated"),
    "unrouted": _l("No rule matched: for the coordinators"),
    "hotspot": _l("Inside a hotspot: sent to its chief as well"),
    "alert_fallback": _l("Urgent alert not delivered: coordinators told"),
    "contact_shared": _l("The reporter's contact details given to the unit"),
    "contact_unshared": _l("The reporter's contact details taken back from the unit"),
    "attachment_added": _l("Photo added"),
    "reporter_question": _l("Question to the reporter"),
    "reporter_answer": _l("The reporter answered"),
    "reporter_info": _l("The reporter added information"),
    "reporter_reopen_request": _l("The reporter asked to reopen the report"),
    "reporter_feedback": _l("The reporter said whether they are satisfied"),
}

# The conversation with the reporter (reporter_message.kind), as staff read it.
MESSAGE_KIND = {
    "question": _l("Question to the reporter"),
    "answer": _l("The reporter answered"),
    "info": _l("The reporter added information"),
    "reopen_request": _l("The reporter asked to reopen the report"),
}
# As the reporter reads them on the tracking page.
PUBLIC_MESSAGE_KIND = {
    "question": _l("Question to you"),
    "answer": _l("Your answer"),
    "info": _l("You added"),
    "reopen_request": _l("You asked to reopen the report"),
}

# The satisfaction form's reasons (domain.conversation.REASONS).
FEEDBACK_REASON = {
    "handled_quickly": _l("It was handled quickly"),
    "kept_informed": _l("I was kept informed"),
    "problem_solved": _l("The problem is solved"),
    "friendly": _l("I was treated well"),
    "too_slow": _l("It took too long"),
    "not_informed": _l("I was not kept informed"),
    "problem_remains": _l("The problem is still there"),
    "not_taken_seriously": _l("I was not taken seriously"),
}

KIND = {"crime": _l("Crime"), "concern": _l("Concern"), "need": _l("Need (what is needed here)")}

# The access log: what was done with a report, and through which door.
ACCESS_ACTION = {
    "view": _l("Viewed"),
    "export": _l("Exported"),
    "print": _l("Printed"),
    "track": _l("Tracked by the reference"),
    "download": _l("Photo downloaded"),
    # The report page's photos: each image shown is one entry (docs/security.md).
    "photo_thumbnail": _l("Photo seen as a thumbnail"),
    "photo_full": _l("Photo opened in full size"),
}
ACCESS_CHANNEL = {"api": _l("API"), "web": _l("Web page")}
# The list an export (access log action "export") was made of.
EXPORT_LIST = {
    "reports": _l("Report list"),
    "queue": _l("Triage queue"),
    "inbox": _l("Unit inbox"),
}

VISIBILITY = {"internal": _l("Internal note"), "public": _l("Public update (the reporter sees it)")}
# Who reads an internal note (note.shared_with).
NOTE_AUDIENCE = {
    "own_unit": _l("Internal: the author's unit and the coordinators"),
    "all_units": _l("Internal: every unit on the report"),
}

# Interpreter languages offered on the forms (ISO 639-1 codes, as the API takes them).
INTERPRETER_LANGUAGES = {
    "ar": _l("Arabic"),
    "so": _l("Somali"),
    "tr": _l("Turkish"),
    "ur": _l("Urdu"),
    "fa": _l("Persian (Farsi)"),
    "ps": _l("Pashto"),
    "ku": _l("Kurdish"),
    "pl": _l("Polish"),
    "ro": _l("Romanian"),
    "uk": _l("Ukrainian"),
    "ti": _l("Tigrinya"),
    "en": _l("English"),
}


NOTIFICATION_KIND = {
    "assignment.routed": _l("New report for your unit"),
    "assignment.overdue": _l("Deadline passed: not acknowledged"),
    "alert.undelivered": _l("Urgent alert not delivered: coordinators told"),
    "hotspot.detected": _l("Possible hotspot detected"),
    "hotspot.chief": _l("You are a hotspot's chief"),
    "hotspot.report": _l("New report in your hotspot"),
}

HOTSPOT_STATUS = {"open": _l("Open"), "closed": _l("Closed")}
DETECTION_STATUS = {
    "new": _l("New"),
    "accepted": _l("Made a hotspot"),
    "dismissed": _l("Dismissed"),
}


def label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))
