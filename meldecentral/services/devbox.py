"""The development inbox: where alerts land outside production when there is no real
receiver, so that a newcomer sees them arrive (DEV_INBOX_DIR; config refuses it in
production, and the pages, meldecentral/web/dev.py, are not registered there).

- ``mail/``: one .eml file per e-mail (written by the e-mail channel, MAIL_DEV_DIR);
- ``webhooks/``: what the demo units' webhooks POSTed to /dev/webhooks/<unit>;
- ``sms/``: what the SMS channel POSTed to the gateway stand-in /dev/sms.

Files, not tables: the worker and the web process share them on the embedded default, and a
development store needs no migration. Only the newest ``KEEP`` of each kind are kept.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

KEEP = 200
KINDS = ("mail", "webhooks", "sms")


@dataclass(frozen=True)
class Entry:
    at: datetime  # arrival
    title: str  # subject, or the webhook's type and reference
    to: str  # the recipient, or the unit
    body: str
    message_id: str | None = None
    repeat: int = 1  # how many times this message id arrived (a receiver deduplicates)


def folder(kind: str) -> Path | None:
    base = current_app.config.get("DEV_INBOX_DIR")
    return Path(base) / kind if base else None


def _write(kind: str, record: dict) -> None:
    where = folder(kind)
    if where is None:
        return
    where.mkdir(parents=True, exist_ok=True)
    name = f"{time.time():.6f}-{secrets.token_hex(3)}.json"
    part = where / (name + ".part")
    part.write_text(json.dumps(record, ensure_ascii=False))
    os.replace(part, where / name)
    _prune(where)


def _prune(where: Path) -> None:
    files = sorted(where.glob("*.*"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)


def record_webhook(unit: str, headers: dict, body: bytes) -> None:
    """A webhook a demo unit received (the app's stand-in receiver)."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {"unreadable": body[:200].decode("utf-8", "replace")}
    _write(
        "webhooks",
        {
            "at": time.time(),
            "unit": unit,
            "webhook_id": headers.get("webhook-id"),
            "signed": bool(headers.get("webhook-signature")),
            "payload": payload,
        },
    )


def record_sms(body: bytes) -> None:
    """A text the SMS channel sent to the gateway stand-in ({"to", "from", "message"})."""
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    _write("sms", {"at": time.time(), "to": data.get("to"), "message": data.get("message")})


def _mail_entries(where: Path) -> list[Entry]:
    entries = []
    for path in where.glob("*.eml"):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = mail.get_body(preferencelist=("plain",))
        entries.append(
            Entry(
                at=_time(path.stat().st_mtime),
                title=str(mail["Subject"] or ""),
                to=str(mail["To"] or ""),
                body=body.get_content() if body is not None else "",
                message_id=str(mail["Message-ID"] or ""),
            )
        )
    return entries


def _json_entries(kind: str, where: Path) -> list[Entry]:
    records = []
    for path in where.glob("*.json"):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    if kind == "sms":
        return [
            Entry(_time(r["at"]), r.get("message") or "", r.get("to") or "", "") for r in records
        ]
    seen: dict[str, int] = {}
    for r in records:
        seen[r.get("webhook_id")] = seen.get(r.get("webhook_id"), 0) + 1
    return [
        Entry(
            at=_time(r["at"]),
            title=f"{r['payload'].get('type', '?')} {r['payload'].get('reference', '')}".strip(),
            to=r.get("unit") or "",
            body=json.dumps(r["payload"], ensure_ascii=False, indent=2),
            message_id=r.get("webhook_id"),
            repeat=seen.get(r.get("webhook_id"), 1),
        )
        for r in records
    ]


def _time(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def entries(kind: str) -> list[Entry]:
    """The newest first."""
    where = folder(kind)
    if where is None or not where.is_dir():
        return []
    found = _mail_entries(where) if kind == "mail" else _json_entries(kind, where)
    return sorted(found, key=lambda e: e.at, reverse=True)
