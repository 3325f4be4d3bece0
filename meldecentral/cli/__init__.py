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
from meldecentral.services.reference import geo, municipalities
from meldecentral.services.staff import admin, platform, tokens, users

GENERATE = "new"  # as a secret's option (--webhook-secret): generate one
# The operator at the command line may do what a platform administrator does.
PLATFORM = Actor(role=roles.SYSTEM, platform_admin=True)


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
    @click.option("--host", "hosts", multiple=True, help="a host name it is reached at")
    @click.option("--prefix", default=None, help="its path prefix: /k/<prefix>/...")
    @click.option("--admin-email", default=None, help="its first administrator")
    @click.option("--admin-name", default=None)
    @click.password_option(
        "--admin-password", prompt=False, required=False, help="the administrator's password"
    )
    def municipality_create(code, name, hosts, prefix, admin_email, admin_name, admin_password):
        """A new municipality (the platform administrator's, as the page does)."""
        data = {
            "code": code,
            "name": name,
            "hosts": list(hosts),
            "path_prefix": prefix,
            "admin_email": admin_email,
            "admin_name": admin_name,
            "admin_password": admin_password,
        }
        try:
            platform.create(None, data)
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields, default=str)) from exc
        click.echo(f"created municipality {code}")

    @municipality_group.command("set")
    @click.argument("code")
    @click.option("--host", "hosts", multiple=True, help="its host names (replaces the list)")
    @click.option("--no-hosts", is_flag=True, help="reached by no host name")
    @click.option("--prefix", default=None, help="its path prefix; '' for none")
    @click.option("--name", default=None)
    def municipality_set(code, hosts, no_hosts, prefix, name):
        """Where a municipality is reached: host names and path prefix."""
        data: dict = {}
        if hosts or no_hosts:
            data["hosts"] = list(hosts)
        if prefix is not None:
            data["path_prefix"] = prefix
        if name is not None:
            data["name"] = name
        try:
            platform.update_mapping(None, municipality_for(code).id, data)
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields, default=str)) from exc
        click.echo(f"municipality {code} saved")

    @municipality_group.command("list")
    def municipality_list():
        """Code, name, host names and path prefix of each municipality."""
        root = municipalities.path_root()
        for m in platform.list_all(PLATFORM):
            prefix = f"/{root}/{m.path_prefix}/" if m.path_prefix else "-"
            click.echo(f"{m.code}\t{m.name}\t{','.join(m.hosts or []) or '-'}\t{prefix}")

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
    @click.option(
        "--platform-admin", is_flag=True, help="may also create municipalities (and say where)"
    )
    @click.password_option(prompt=True, required=False, prompt_required=False)
    def users_create(email, name, role, unit, municipality, platform_admin, password):
        try:
            user = users.create_user(
                municipality=municipality_for(municipality),
                email=email,
                name=name,
                role=role,
                password=password,
                unit_code=unit,
                platform_admin=platform_admin,
            )
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields)) from exc
        click.echo(f"created user {user.id} ({user.role})")

    @users_group.command("platform-admin")
    @click.argument("email")
    @click.option("--off", is_flag=True, help="no longer a platform administrator")
    def users_platform_admin(email: str, off: bool):
        """Let a user create municipalities and say where they are reached (or no longer)."""
        user = users.user_by_email(email)
        if user is None:
            raise click.ClickException("no such user")
        platform.grant(user.id, not off)
        click.echo(f"{email}: platform administrator {'no more' if off else 'now'}")

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

    @stats_group.command("import-survey")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--municipality", default=None)
    def stats_import_survey(path: Path, municipality: str | None):
        """Import safety survey results from CSV: district,year,safe_neighbourhood,safe_evening
        (docs/safety-index.md)."""
        from meldecentral.services.errors import ValidationFailed
        from meldecentral.services.facts import survey

        try:
            done = survey.import_csv(
                municipality_for(municipality).id, path.read_text(encoding="utf-8-sig")
            )
        except ValidationFailed as exc:
            problems = "; ".join(f"{k}: {v}" for k, v in (exc.fields or {}).items())
            raise click.ClickException(problems or str(exc)) from exc
        click.echo(f"survey: {done.rows} rows imported ({', '.join(map(str, done.years))})")

    @stats_group.command("publish")
    @click.option("--municipality", default=None)
    def stats_publish(municipality: str | None):
        """Rebuild the public figures now (the workers do it hourly)."""
        from meldecentral.services.facts import publish

        etag = publish.publish(municipality_for(municipality))
        click.echo(f"public figures published ({etag})")

    @app.cli.group("hotspots")
    def hotspots_group():
        """The hotspot scan (services.hotspots.detect, docs/hotspots.md)."""

    @hotspots_group.command("detect")
    @click.option("--municipality", default=None)
    @click.option("--replicas", default=999, show_default=True)
    @click.option("--seed", default=None, type=int, help="fix the Monte Carlo draws")
    def hotspots_detect(municipality: str | None, replicas: int, seed: int | None):
        """Run the scan now, as the daily job does; prints what it found and how long it took
        (JSON)."""
        import time

        from meldecentral.services.hotspots import detect

        t0 = time.perf_counter()
        found = detect.detect(municipality_for(municipality).id, replicas=replicas, seed=seed)
        seconds = time.perf_counter() - t0
        click.echo(json.dumps({"detections": len(found), "seconds": round(seconds, 3)}))

    @app.cli.group("units")
    def units_group():
        """Units and their notification channels."""

    @units_group.command("create")
    @click.argument("code")
    @click.argument("name")
    @click.option("--municipality", default=None)
    def units_create(code, name, municipality):
        """A new unit of a municipality (then `units set` for its channels)."""
        who = Actor(role=roles.ADMIN, municipality_id=municipality_for(municipality).id)
        try:
            unit = admin.create_unit(who, {"code": code, "name": name})
        except ValidationFailed as exc:
            raise click.ClickException(json.dumps(exc.fields, default=str)) from exc
        click.echo(f"created unit {unit.code}")

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

    from meldecentral.cli.catalogues import catalogues_group
    from meldecentral.cli.demo import demo_group
    from meldecentral.cli.open311 import open311_group
    from meldecentral.cli.routing import routing_group
    from meldecentral.cli.stack import stack_command

    app.cli.add_command(catalogues_group)

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
    app.cli.add_command(open311_group)
    app.cli.add_command(routing_group)
    app.cli.add_command(stack_command)
