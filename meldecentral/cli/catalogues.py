"""The resident languages' catalogues: which texts residents read, and how far each language
is translated and reviewed.

Residents read the public pages, the error pages and the messages sent to a reporter; staff
pages stay in the staff languages (``STAFF_LANGUAGES``), so the other languages' catalogues need
only the residents' texts. ``RESIDENT_SOURCES`` says where those texts are, as data: a file
whole, or only some of its scopes (a Python file's top-level functions, classes or constants;
a template's macros). A machine-made translation carries the translator comment
``review: native speaker`` until a native speaker has checked it and removed the comment.

``flask catalogues resident`` lists the residents' texts; ``flask catalogues summary`` writes
docs/translations.md.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from flask import current_app
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "meldecentral" / "translations"
REVIEW_MARK = "review: native speaker"
SOURCE_LANGUAGE = "en"  # the msgids' language: its catalogue may leave them as they are
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "Reason": None}

# Where the residents' texts are: a path (glob) and the scopes in it (None: the whole file).
RESIDENT_SOURCES: dict[str, frozenset[str] | None] = {
    "meldecentral/templates/public/*.html": None,
    "meldecentral/templates/base.html": None,  # the staff navigation is staff/_nav.html
    "meldecentral/templates/error.html": None,
    "meldecentral/templates/_macros.html": frozenset(
        {"errors", "field", "toggle", "form_errors", "notice", "status_badge", "error_summary"}
    ),
    "meldecentral/web/public.py": None,
    "meldecentral/web/intake.py": None,
    "meldecentral/web/__init__.py": None,
    "meldecentral/pages.py": None,
    "meldecentral/security.py": None,
    "meldecentral/__init__.py": frozenset({"_unavailable"}),
    "meldecentral/web/forms.py": frozenset(
        {
            "_ReportForm",
            "ResidentReportForm",
            "TrackForm",
            # the reporter's side of the conversation, on the tracking page
            "_MESSAGE",
            "AnswerForm",
            "InfoForm",
            "ReopenForm",
            "FeedbackForm",
        }
    ),
    "meldecentral/web/labels.py": frozenset(
        {"REPORT_STATUS", "INTERPRETER_LANGUAGES", "PUBLIC_MESSAGE_KIND", "FEEDBACK_REASON"}
    ),
    "meldecentral/web/conversation.py": None,
    "meldecentral/web/facts.py": None,
    "meldecentral/services/reports/submit.py": None,
    "meldecentral/services/reports/conversation.py": None,
    # The reporter's messages (e-mail, SMS): the receipt is the receipt page.
    "meldecentral/services/delivery/texts.py": frozenset(
        {"reporter_update", "reporter_question", "reporter_merged"}
    ),
}


@dataclass(frozen=True)
class LanguageStatus:
    code: str
    texts: int  # the residents' texts
    translated: int
    awaiting_review: int

    @property
    def missing(self) -> int:
        return self.texts - self.translated


def _python_scopes(source: str) -> list[tuple[int, int, str]]:
    """(first line, last line, name) of each top-level definition or assignment."""
    scopes = []
    for node in ast.parse(source).body:
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        for name in names:
            scopes.append((node.lineno, node.end_lineno or node.lineno, name))
    return scopes


_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)")
_END_MACRO = re.compile(r"{%-?\s*endmacro")


def _template_scopes(source: str) -> list[tuple[int, int, str]]:
    """(first line, last line, name) of each macro of a template."""
    scopes, name, start = [], None, 0
    for number, line in enumerate(source.splitlines(), start=1):
        found = _MACRO.search(line)
        if found:
            name, start = found.group(1), number
        if name and _END_MACRO.search(line):
            scopes.append((start, number, name))
            name = None
    return scopes


def _in_scopes(line: int, scopes: list[tuple[int, int, str]], wanted: frozenset[str]) -> bool:
    return any(first <= line <= last and name in wanted for first, last, name in scopes)


def resident_messages(root: Path = ROOT) -> dict[str, list[str]]:
    """The msgids residents read, each with where it is used ("path:line")."""
    found: dict[str, list[str]] = {}
    for pattern, wanted in RESIDENT_SOURCES.items():
        for path in sorted(root.glob(pattern)):
            method = "jinja2" if path.suffix == ".html" else "python"
            source = path.read_text(encoding="utf-8")
            scopes = None
            if wanted is not None:
                scopes = _template_scopes(source) if method == "jinja2" else _python_scopes(source)
            for line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS
            ):
                if scopes is not None and not _in_scopes(line, scopes, wanted):
                    continue
                msgid = message[0] if isinstance(message, tuple | list) else message
                if msgid:
                    where = f"{path.relative_to(root)}:{line}"
                    found.setdefault(msgid, []).append(where)
    return found


def catalogue_status(code: str, wanted: Iterable[str]) -> LanguageStatus:
    """How many of ``wanted`` the language's catalogue translates (not fuzzy: fuzzy entries are
    not compiled), and how many of those still await a native speaker's review."""
    wanted = set(wanted)
    if code == SOURCE_LANGUAGE:
        return LanguageStatus(code, len(wanted), len(wanted), 0)
    with (CATALOGUES / code / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = review = 0
    for message in catalogue:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key not in wanted or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            translated += 1
            if REVIEW_MARK in message.user_comments:
                review += 1
    return LanguageStatus(code, len(wanted), translated, review)


def summary_markdown(statuses: list[LanguageStatus], staff: Iterable[str]) -> str:
    lines = [
        "# Translations",
        "",
        "Generated by `flask --app wsgi catalogues summary`; do not edit by hand.",
        "",
        "Residents read the public pages (report form, receipt, tracking, 112 page), the error",
        "pages and the messages sent to a reporter; `meldecentral/cli/catalogues.py`",
        "(`RESIDENT_SOURCES`) says where those texts are. Staff pages are in "
        + " and ".join(staff)
        + " only.",
        "A translation made without a native speaker carries the translator comment",
        f"`# {REVIEW_MARK}` in its `messages.po`; a reviewer removes the comment once checked.",
        "Category labels are data (`meldecentral/data/demo.yaml`, `labels:`) and await review",
        "in the same way. An administrator can switch a language off for the municipality",
        "(Administration, Languages) until its texts are reviewed.",
        "",
        "English is the texts' own language (the msgids).",
        "",
        "| language | residents' texts | translated | missing | awaiting native review |",
        "|---|---|---|---|---|",
    ]
    for s in statuses:
        lines.append(
            f"| {s.code} | {s.texts} | {s.translated} | {s.missing} | {s.awaiting_review} |"
        )
    return "\n".join(lines) + "\n"


catalogues_group = AppGroup("catalogues", help="The resident languages' catalogues.")


@catalogues_group.command("resident")
def resident_command() -> None:
    """List the texts residents read, with where each is used."""
    for msgid, where in sorted(resident_messages().items()):
        click.echo(f"{msgid!r}  ({', '.join(where)})")


@catalogues_group.command("summary")
@click.option("--output", type=click.Path(path_type=Path), default=ROOT / "docs/translations.md")
def summary_command(output: Path) -> None:
    """Write the per-language counts (texts, translated, awaiting review) to docs."""
    wanted = resident_messages()
    staff = current_app.config["STAFF_LANGUAGES"]
    statuses = [catalogue_status(code, wanted) for code in current_app.config["LANGUAGES"]]
    output.write_text(summary_markdown(statuses, staff), encoding="utf-8")
    for s in statuses:
        click.echo(f"{s.code}: {s.translated}/{s.texts} translated, {s.awaiting_review} to review")
