"""``flask open311 issue|list|revoke``: Open311 client applications' api keys."""

from __future__ import annotations

import click

from meldecentral.services.errors import NotFound, ValidationFailed
from meldecentral.services.open311 import clients


@click.group("open311")
def open311_group():
    """Open311 GeoReport v2 client applications (api keys)."""


@open311_group.command("issue")
@click.argument("name")
@click.option("--municipality", default=None, help="its code; the default municipality if left out")
def issue(name: str, municipality: str | None):
    """Issue an api_key for the application NAME; the key is shown this once."""
    from meldecentral.cli import municipality_for

    m = municipality_for(municipality)
    try:
        client, key = clients.issue_key(None, name, municipality_id=m.id)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc.fields["name"][0])) from exc
    click.echo(f"client application {client.id} ({client.name}) for {m.code}")
    click.echo(f"api_key (shown once, keep it secret): {key}")


@open311_group.command("list")
@click.option("--municipality", default=None)
def list_clients(municipality: str | None):
    """The applications, newest first: id, key prefix, state, name."""
    from meldecentral.cli import municipality_for

    m = municipality_for(municipality)
    for client in clients.list_clients(None, m.id):
        state = "active" if client.active else "revoked"
        click.echo(f"{client.id}\t{client.prefix}…\t{state}\t{client.name}")


@open311_group.command("revoke")
@click.argument("client_id", type=int)
def revoke(client_id: int):
    """Revoke the api_key of application CLIENT_ID."""
    try:
        client = clients.revoke_key(None, client_id)
    except NotFound as exc:
        raise click.ClickException(f"no client application {client_id}") from exc
    click.echo(f"revoked the api_key of {client.id} ({client.name})")
