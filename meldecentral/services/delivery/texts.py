"""What an alert says, through the catalogues, in the language of whoever reads it: a unit's
alerts in the municipality's staff language, a reporter's in the language they wrote in, after
the municipality's own. Texts stay thin (reference, category, district, urgency, a link)."""

from __future__ import annotations

from babel import Locale
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
        subject = _(
            "[%(urgency)s] New report %(ref)s: %(category)s, %(district)s",
            **_facts(report, language),
        )
        if report.interpreter_language:
            subject = _(
                "%(subject)s; interpreter needed: %(language)s",
                subject=subject,
                language=interpreter_name(report.interpreter_language, language),
            )
        return subject


def hotspot_subject(report: Report, hotspot: str) -> str:
    """To a hotspot's chief: the new report's subject, under the hotspot's name."""
    with force_locale(staff_language()):
        return _(
            "Hotspot %(hotspot)s: %(subject)s", hotspot=hotspot, subject=new_report_subject(report)
        )


def interpreter_name(code: str, language: str) -> str:
    """The interpreter's language as the reader's language calls it ("arabisk", "Arabic")."""
    return Locale.parse(language).languages.get(code, code)


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


def reporter_language(report: Report) -> str:
    """The language the reporter used, if the site speaks it; else the municipality's."""
    languages = current_app.config["LANGUAGES"]
    return report.language if report.language in languages else staff_language()


def reporter_update(report: Report, link: str) -> tuple[str, str]:
    """Subject and body of "there is news on your report", in the reporter's language."""
    with force_locale(reporter_language(report)):
        return (
            _("News on your report %(ref)s", ref=report.reference),
            _("There is news on your report %(ref)s: %(link)s", ref=report.reference, link=link),
        )


def reporter_question(report: Report, link: str) -> tuple[str, str]:
    """ "We have a question about your report": the question itself is read on the tracking
    page (it may name details of the matter; a message stays thin)."""
    with force_locale(reporter_language(report)):
        return (
            _("A question about your report %(ref)s", ref=report.reference),
            _(
                "We have a question about your report %(ref)s. Read it and answer here: %(link)s",
                ref=report.reference,
                link=link,
            ),
        )


def reporter_merged(report: Report, link: str) -> tuple[str, str]:
    """The report was merged with another about the same matter."""
    with force_locale(reporter_language(report)):
        return (
            _("Your report %(ref)s is handled with another", ref=report.reference),
            _(
                "Your report %(ref)s is about the same matter as another report and is handled "
                "together with it. You will hear its outcome here: %(link)s",
                ref=report.reference,
                link=link,
            ),
        )


def street_worker_update(report: Report, status: str) -> str:
    """A street worker's own report was routed or closed (their push: the words on the phone
    are the service worker's; this subject is what the delivery list shows)."""
    with force_locale(staff_language()):
        if status == "routed":
            return _("Your report %(ref)s has been routed", ref=report.reference)
        return _("Your report %(ref)s has been closed", ref=report.reference)
