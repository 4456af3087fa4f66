"""``opportuno erp-quotes refresh``: read back the live quotes of open deals (e.g. from cron)."""

import click
from flask.cli import with_appcontext


@click.group("erp-quotes")
def erp_quotes() -> None:
    """ERP quotes plugin."""


@erp_quotes.command("refresh")
@with_appcontext
def refresh() -> None:
    """Refresh from the ERP every live quote of the open deals where the plugin is on."""
    from .services import refresh_open_deals

    report = refresh_open_deals()
    click.echo(f"{report['deals']} deals read back; {report['changed']} quotes changed.")
    for failure in report["failures"]:
        click.echo(f"Not refreshed: {failure}", err=True)
    if report["failures"]:
        raise SystemExit(1)
