"""What an alert says, through the catalogues, in the language of whoever reads it: a unit's
alerts in the municipality's staff language, a reporter's in the language they wrote in, after
the municipality's own. Texts stay thin (reference, category, district, urgency, a link)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meldecentral.models import Report

URGENCY = {"high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}


def staff_language() -> str:
    """The language of a unit's shared inboxes: the municipality's."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _facts(report: Report, language: str) -> dict:
    return {
        "urgency": str(URGENCY.get(report.urgency, report.urgency)).upper(),
        "ref": report.reference,
        "category": report.category.label(language),
        "district": report.district.name if report.district else "-",
    }


def new_report_subject(report: Report) -> str:
    language = staff_language()
    with force_locale(language):
        return _(
            "[%(urgency)s] New report %(ref)s: %(category)s, %(district)s",
            **_facts(report, language),
        )


def overdue_subject(report: Report, unit_name: str) -> str:
    with force_locale(staff_language()):
        return _(
            "Deadline passed: %(ref)s (%(unit)s) is not acknowledged",
            ref=report.reference,
            unit=unit_name,
        )


def undelivered_subject(report: Report, unit_name: str) -> str:
    language = staff_language()
    with force_locale(language):
        return _(
            "[%(urgency)s] Not delivered to %(unit)s: %(ref)s, %(category)s",
            unit=unit_name,
            **_facts(report, language),
        )


def reporter_languages(report: Report) -> list[str]:
    """The municipality's language first, then the reporter's if it is another one the site
    speaks, else English: as the pages show the 112 notice."""
    first = staff_language()
    theirs = report.language if report.language in current_app.config["LANGUAGES"] else None
    second = theirs if theirs and theirs != first else ("en" if first != "en" else None)
    return [first, second] if second else [first]


def reporter_update(report: Report, link: str) -> tuple[str, str]:
    """Subject and body of "there is news on your report", one line per language."""
    subjects, lines = [], []
    for language in reporter_languages(report):
        with force_locale(language):
            subjects.append(_("News on your report %(ref)s", ref=report.reference))
            lines.append(
                _("There is news on your report %(ref)s: %(link)s", ref=report.reference, link=link)
            )
    return " / ".join(subjects), "\n".join(lines)


def street_worker_update(report: Report, status: str) -> str:
    """A street worker's own report was routed or closed (their push: the words on the phone
    are the service worker's; this subject is what the delivery list shows)."""
    with force_locale(staff_language()):
        if status == "routed":
            return _("Your report %(ref)s has been routed", ref=report.reference)
        return _("Your report %(ref)s has been closed", ref=report.reference)
