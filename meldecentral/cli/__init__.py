"""Command line: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app

from meldecentral.extensions import db
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.reference import geo
from meldecentral.services.staff import users

GENERATE = "new"  # as --webhook-secret: generate a secret


def municipality_for(code: str | None):
    code = code or current_app.config["DEFAULT_MUNICIPALITY"]
    municipality = users.municipality_by_code(code)
    if municipality is None:
        raise click.ClickException(
            f"no municipality {code!r}; run `flask demo load` or `flask municipality create` first"
        )
    return municipality


def register(app: Flask) -> None:
    @app.cli.group("municipality")
    def municipality_group():
        """Municipalities served by this deployment."""

    @municipality_group.command("create")
    @click.argument("code")
    @click.argument("name")
    def municipality_create(code: str, name: str):
        try:
            users.create_municipality(code, name)
        except ValidationFailed as exc:
            raise click.ClickException(exc.fields["code"][0]) from exc
        click.echo(f"created municipality {code}")

    @app.cli.group("districts")
    def districts_group():
        """District polygons."""

    @districts_group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--municipality", default=None, help="municipality code")
    def districts_import(path: Path, municipality: str | None):
        """Create or update districts from a GeoJSON FeatureCollection."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            created, updated = geo.import_districts(municipality_for(municipality), data)
        except (ValueError, geo.GeoJSONError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"districts: {created} created, {updated} updated")

    @app.cli.group("users")
    def users_group():
        """Staff users."""

    @users_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option(
        "--role",
        required=True,
        type=click.Choice(["street_worker", "coordinator", "unit_member", "admin"]),
    )
    @click.option("--unit", default=None, help="unit code, for unit members")
    @click.option("--municipality", default=None)
    @click.password_option(prompt=True, required=False, prompt_required=False)
    def users_create(email, name, role, unit, municipality, password):
        try:
            user = users.create_user(
                municipality=municipality_for(municipality),
                email=email,
                name=name,
                role=role,
                password=password,
                unit_code=unit,
            )
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields)) from exc
        click.echo(f"created user {user.id} ({user.role})")

    @app.cli.group("tokens")
    def tokens_group():
        """API tokens."""

    @tokens_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", default="cli")
    def tokens_create(email: str, name: str):
        """Prints a new token once; only its hash is stored."""
        user = users.user_by_email(email)
        if user is None:
            raise click.ClickException("no such user")
        click.echo(users.create_token(user, name))

    @app.cli.group("stats")
    def stats_group():
        """Pre-aggregated statistics (services.worklists.stats)."""

    @stats_group.command("rebuild")
    @click.option("--municipality", default=None)
    @click.option("--years", default=3, show_default=True)
    def stats_rebuild(municipality: str | None, years: int):
        """Recount the daily counts from the reports (after an import or a restore)."""
        from meldecentral.services.worklists import stats

        cells = stats.rebuild(municipality_for(municipality).id, years=years)
        click.echo(f"statistics rebuilt: {cells} cells")

    @app.cli.group("units")
    def units_group():
        """Units and their notification channels."""

    @units_group.command("set")
    @click.argument("code")
    @click.option("--email", default=None)
    @click.option("--sms", "sms_number", default=None)
    @click.option("--webhook-url", default=None)
    @click.option("--webhook-secret", default=None, help="whsec_...; 'new' generates one")
    @click.option(
        "--channels",
        "channel_specs",
        multiple=True,
        help="URGENCY=CH[,CH]: e.g. high=webhook,sms (repeatable)",
    )
    @click.option("--municipality", default=None)
    def units_set(
        code, email, sms_number, webhook_url, webhook_secret, channel_specs, municipality
    ):
        """Set a unit's addresses and its channels per urgency."""
        import sqlalchemy as sa

        from meldecentral.models import Unit
        from notifications.webhook import new_secret

        m = municipality_for(municipality)
        unit = db.session.scalar(sa.select(Unit).filter_by(municipality_id=m.id, code=code))
        if unit is None:
            raise click.ClickException(f"no unit {code!r}")
        if email is not None:
            unit.email = email or None
        if sms_number is not None:
            unit.sms_number = sms_number or None
        if webhook_url is not None:
            unit.webhook_url = webhook_url or None
        if webhook_secret is not None:
            generate = webhook_secret == GENERATE
            unit.webhook_secret = new_secret() if generate else webhook_secret
            if generate:
                click.echo(f"webhook secret: {unit.webhook_secret}")
        channels = dict(unit.channels or {})
        for spec in channel_specs:
            urgency, _, names = spec.partition("=")
            if urgency not in ("low", "normal", "high") or not names:
                raise click.ClickException(f"bad --channels {spec!r}; e.g. high=webhook,sms")
            channels[urgency] = [n for n in names.split(",") if n]
        unit.channels = channels
        db.session.commit()
        click.echo(f"unit {code}: channels {channels}")

    from meldecentral.cli.demo import demo_group
    from meldecentral.cli.routing import routing_group

    app.cli.add_command(demo_group)
    app.cli.add_command(routing_group)
