"""``flask stack``: ``make run``'s processes under the supervisor, and a banner that says where
to go once the web server answers."""

from __future__ import annotations

import os
import signal
import urllib.request

import click
from flask import current_app

from meldecentral.cli.supervisor import Supervisor, read_procfile
from meldecentral.domain import roles
from meldecentral.services import demo

# What each demo account is for, in the banner.
ROLE_CAN = {
    roles.COORDINATOR: "triage queue, route by hand, merge duplicates, deadlines, dead letters",
    roles.STREET_WORKER: "file reports from the street, follow the ones you filed",
    roles.UNIT_MEMBER: "the unit's inbox: acknowledge, follow up, close with an outcome",
    roles.ADMIN: "users, units, categories, routing rules, districts, retention",
}


def banner(port: int, public_base_url: str) -> str:
    url = f"http://localhost:{port}"
    lines = [
        "",
        f"Meldecentral is running: {url}",
        f"  report form: {url}/   staff sign-in: {url}/login",
    ]
    if public_base_url.rstrip("/") != url:
        lines.append(f"  links in notifications use PUBLIC_BASE_URL={public_base_url}")
    lines.append(f"  demo accounts (password {demo.DEMO_PASSWORD}):")
    for email, _name, role, unit in demo.DEMO_USERS:
        who = f"{role} {unit}" if unit else role
        lines.append(f"    {email:34} {who:24} {ROLE_CAN.get(role, '')}")
    # The demo's other municipalities, by path prefix (host names need DNS).
    for code, accounts in demo.OTHER_DEMO_USERS.items():
        lines.append(f"  {code}: {url}/k/{code}/   staff sign-in: {url}/k/{code}/login")
        for email, _name, role, unit in accounts:
            who = f"{role} {unit}" if unit else role
            lines.append(f"    {email:34} {who:24} {ROLE_CAN.get(role, '')}")
    lines.append(f"  {demo.PLATFORM_ADMIN} also creates municipalities: {url}/admin/municipalities")
    lines.append("  Ctrl-C stops everything; a process that ends is started again.")
    return "\n".join(lines) + "\n"


def _answers(url: str) -> bool:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"not the stack's own loopback address: {url!r}")
    try:
        # Only ever the stack's own health check on loopback (checked above).
        with urllib.request.urlopen(url, timeout=1) as res:  # noqa: S310  # nosec B310
            return res.status == 200
    except OSError:
        return False


@click.command("stack")
@click.argument("procfile", default="Procfile.dev")
def stack_command(procfile: str) -> None:
    """Run the Procfile's processes; restart any that ends, keep the others running."""
    port = int(os.environ.get("PORT", "5000"))
    text = banner(port, current_app.config["PUBLIC_BASE_URL"])
    supervisor = Supervisor(read_procfile(procfile), env=os.environ | {"PORT": str(port)})
    shown = False

    def tick() -> None:
        nonlocal shown
        if not shown and _answers(f"http://127.0.0.1:{port}/healthz"):
            shown = True
            click.echo(text)

    # SIGHUP: the terminal closed. Its processes have sessions of their own, so they would not
    # get it and would keep the port.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: supervisor.stop())
    supervisor.run(tick=tick, interval=0.5)
