"""Command line: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app

from meldecentral.domain import roles
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import channels
from meldecentral.services.errors import NotFound, ValidationFailed
from meldecentral.services.reference import geo
from meldecentral.services.staff import admin, tokens, users

GENERATE = "new"  # as a secret's option (--webhook-secret): generate one


def municipality_for(code: str | None):
    code = code or current_app.config["DEFAULT_MUNICIPALITY"]
    municipality = users.municipality_by_code(code)
    if municipality is None:
        raise click.ClickException(
            f"no municipality {code!r}; run `flask demo load` or `flask municipality create` first"
        )
    return municipality


def _address_options(described):
    """An option for each channel's address and secret, as the channels declare them
    (``--sms``, ``--webhook-url``, ...): a new channel brings its own."""

    def option(field: str, name: str | None, help_text: str):
        return click.option(f"--{(name or field).replace('_', '-')}", field, help=help_text)

    options = []
    for description in described.values():
        address = description.address
        if address is None:
            continue
        options.append(
            option(address.field, address.option, f"{description.name}: {address.label}")
        )
        if address.secret is not None:
            options.append(
                option(
                    address.secret.field,
                    None,
                    f"{description.name}'s secret; '{GENERATE}' makes one",
                )
            )

    def apply(command):
        for decorate in reversed(options):
            command = decorate(command)
        return command

    return apply


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
    @click.option("--name", required=True, help="what the token is for, e.g. the client")
    @click.option("--days", type=int, default=None, help="lifetime; default API_TOKEN_DAYS")
    def tokens_create(email: str, name: str, days: int | None):
        """Prints a new token once; only its hash is stored."""
        user = users.user_by_email(email)
        if user is None:
            raise click.ClickException("no such user")
        try:
            click.echo(users.create_token(user, name, days))
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields)) from exc

    @tokens_group.command("list")
    @click.option("--email", required=True)
    def tokens_list(email: str):
        """A user's tokens: id, state, name, prefix, expiry, last use (never the token)."""
        user = users.user_by_email(email)
        if user is None:
            raise click.ClickException("no such user")
        for t in tokens.tokens_of(user.id):
            used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never"
            expires = t.expires_at.isoformat(timespec="minutes") if t.expires_at else "never"
            click.echo(
                f"{t.id}\t{tokens.state(t)}\t{t.name}\t{t.prefix}…\t"
                f"expires {expires}\tlast used {used}"
            )

    @tokens_group.command("revoke")
    @click.argument("token_id", type=int)
    def tokens_revoke(token_id: int):
        """Revoke one token by its id (from `flask tokens list`)."""
        token = tokens.revoke_by_id(token_id)
        if token is None:
            raise click.ClickException("no such token")
        click.echo(f"revoked token {token.id} ({token.name})")

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
    @click.option(
        "--channels",
        "channel_specs",
        multiple=True,
        help="URGENCY=CH[,CH]: e.g. high=webhook,sms (repeatable)",
    )
    @click.option("--municipality", default=None)
    @_address_options(app.extensions[channels.DESCRIBED])
    def units_set(code, channel_specs, municipality, **given):
        """Set a unit's addresses and its channels per urgency (checked as the admin page's)."""
        described = app.extensions[channels.DESCRIBED]
        # The operator at the command line acts as the municipality's administrator.
        who = Actor(role=roles.ADMIN, municipality_id=municipality_for(municipality).id)
        try:
            unit = admin.unit_by_code(who, code)
        except NotFound as exc:
            raise click.ClickException(exc.message) from exc
        data = {field: value for field, value in given.items() if value is not None}
        generated = []
        for description in described.values():
            secret = description.address.secret if description.address else None
            if secret is not None and data.get(secret.field) == GENERATE:
                data[secret.field] = secret.generate()
                generated.append(secret.field)
        chosen = dict(unit.channels or {})
        for spec in channel_specs:
            urgency, _, names = spec.partition("=")
            if not names:
                raise click.ClickException(f"bad --channels {spec!r}; e.g. high=webhook,sms")
            chosen[urgency] = [n for n in names.split(",") if n]
        data["channels"] = chosen
        try:
            unit = admin.update_unit(who, unit.id, data)
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields)) from exc
        for field in generated:  # shown once, after it is saved
            click.echo(f"{field.replace('_', ' ')}: {data[field]}")
        click.echo(f"unit {code}: channels {unit.channels}")

    from meldecentral.cli.demo import demo_group
    from meldecentral.cli.routing import routing_group
    from meldecentral.cli.stack import stack_command

    @app.cli.group("push")
    def push_group():
        """Web Push (VAPID) keys."""

    @push_group.command("keys")
    def push_keys():
        """Print a new VAPID key pair as environment settings (keep the private one secret)."""
        from meldecentral import vapid

        keys = vapid.generate()
        click.echo(f"WEBPUSH_VAPID_PUBLIC_KEY={keys['public']}")
        click.echo(f"WEBPUSH_VAPID_PRIVATE_KEY={keys['private']}")

    app.cli.add_command(demo_group)
    app.cli.add_command(routing_group)
    app.cli.add_command(stack_command)
