"""``opportuno erp-quotes refresh``: read back the live quotes of open deals (e.g. from cron)."""

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("erp-quotes")
def erp_quotes() -> None:
    """ERP quotes plugin."""


@erp_quotes.command("refresh")
@with_appcontext
def refresh() -> None:
    """Refresh from the ERP every live quote of the open deals where the plugin is on."""
    from .services import refresh_open_deals

    report = refresh_open_deals()
    click.echo(
        _(
            "%(deals)d deals read back; %(changed)d quotes changed.",
            deals=report["deals"],
            changed=report["changed"],
        )
    )
    for failure in report["failures"]:
        click.echo(_("Not refreshed: %(failure)s", failure=failure), err=True)
    if report["failures"]:
        raise SystemExit(1)
