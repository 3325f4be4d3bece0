"""``flask demo load``: the demo configuration, demo staff and a year of realistic reports
(services.demo)."""

from __future__ import annotations

import click

from meldecentral.services import demo


@click.group("demo")
def demo_group():
    """Demo data."""


@demo_group.command("load")
@click.option("--reports", "count", default=300, show_default=True)
@click.option("--once", is_flag=True, help="do nothing if reports already exist")
def demo_load(count: int, once: bool):
    if once and demo.has_reports():
        click.echo("demo data already loaded")
        return
    demo.load_demo(count)
    click.echo(f"demo data loaded: {count} reports; staff password {demo.DEMO_PASSWORD!r}")
