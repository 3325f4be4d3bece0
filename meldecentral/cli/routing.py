"""``flask routing import|export|dry-run``: rules as a YAML or JSON file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
import yaml

from meldecentral import clock
from meldecentral.domain.routing import rule_to_dict
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.routing import route, rulebook


def _read(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise click.ClickException("the file must hold a list of rules")
    return data


@click.group("routing")
def routing_group():
    """Routing rules."""


@routing_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--municipality", default=None)
def import_rules(path: Path, municipality: str | None):
    """Replace the rules with those in PATH (.yaml or .json)."""
    from meldecentral.cli import municipality_for

    m = municipality_for(municipality)
    try:
        rules = rulebook.replace_rules(m.id, _read(path))
    except ValidationFailed as exc:
        raise click.ClickException(json.dumps(exc.fields, ensure_ascii=False)) from exc
    click.echo(f"imported {len(rules)} rules")


@routing_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@click.option("--municipality", default=None)
def export_rules(fmt: str, municipality: str | None):
    """Print the rules."""
    from meldecentral.cli import municipality_for

    rules = [rule_to_dict(r) for r in route.load_rules(municipality_for(municipality).id)]
    if fmt == "json":
        click.echo(json.dumps(rules, ensure_ascii=False, indent=2))
    else:
        click.echo(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False))


@routing_group.command("dry-run")
@click.option(
    "--rules",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="rules to try (default: the stored rules)",
)
@click.option("--days", default=90, show_default=True, help="replay reports of the last DAYS")
@click.option("--municipality", default=None)
def dry_run(path: Path | None, days: int, municipality: str | None):
    """Replay rules over past reports and show which would go elsewhere. Changes nothing."""
    from meldecentral.cli import municipality_for

    m = municipality_for(municipality)
    definitions = _read(path) if path else None
    changes = rulebook.dry_run(m.id, definitions, clock.now() - timedelta(days=days))
    for c in changes:
        click.echo(
            f"{c['reference']} {c['category']}: {','.join(c['now']) or '-'} -> "
            f"{','.join(c['would']) or 'coordinators'}  ({c['why']})"
        )
    click.echo(f"{len(changes)} reports would be routed differently")
