"""``opportuno renewals generate``: bulk and automatic renewals, safe to run from cron."""

import click
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.models import User

from . import bulk, services


@click.group()
def renewals():
    """Renewals of won deals (renewals plugin)."""


def _acting_user(email: str | None) -> User:
    query = select(User).where(User.active.is_(True))
    query = query.where(User.email == email) if email else query.where(User.role == "admin")
    user = db.session.scalars(query.order_by(User.id).limit(1)).first()
    if user is None:
        raise click.ClickException(
            _("No active user %(email)s.", email=email)
            if email
            else _("No active administrator to act as.")
        )
    return user


@renewals.command("generate")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Term ends from.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Term ends until.")
@click.option(
    "--uplift",
    type=float,
    default=None,
    help="Price uplift in percent (default: each business line's auto-renewal uplift).",
)
@click.option("--dry-run", is_flag=True, help="List what would be created; write nothing.")
@click.option("--as", "email", default=None, help="Act as this user (default: first admin).")
def generate(date_from, date_to, uplift, dry_run, email):
    """Renew every won deal whose term ends between --from and --to (once: running again
    creates nothing twice). Without --from/--to, run the auto-renewal of every business line
    that has it on: deals whose term ends within its days-before window. Exit status 1 when a
    renewal failed."""
    if (date_from is None) != (date_to is None):
        raise click.UsageError(_("Give both --from and --to, or neither (auto-renewal)."))
    user = _acting_user(email)
    try:
        if date_from is None:
            plans = bulk.auto_renew(user, dry_run=dry_run)
        else:
            plans = bulk.generate(
                user,
                date_from.date(),
                date_to.date(),
                uplift=services.parse_uplift(uplift) if uplift is not None else None,
                dry_run=dry_run,
            )
    except ValidationError as exc:
        raise click.ClickException(exc.message) from None
    for plan in plans:
        if plan.status == "failed":
            click.echo(
                _(
                    "FAILED  #%(id)d %(deal)s: %(message)s",
                    id=plan.source.id,
                    deal=plan.source.name,
                    message=plan.message,
                ),
                err=True,
            )
            continue
        target = f"#{plan.new.id} " if plan.new is not None else ""
        words = dict(
            new=f"{target}{plan.name}",
            closes=plan.close_date,
            amount=plan.amount,
            source=plan.source.id,
            ends=plan.term_end,
        )
        if dry_run:
            line = _(
                "would   %(new)s (closes %(closes)s, %(amount)s) from #%(source)d "
                "whose term ends %(ends)s",
                **words,
            )
        else:
            line = _(
                "created %(new)s (closes %(closes)s, %(amount)s) from #%(source)d "
                "whose term ends %(ends)s",
                **words,
            )
        click.echo(line)
    done = sum(1 for p in plans if p.status != "failed")
    failed = len(plans) - done
    if failed:
        click.echo(
            ngettext(
                "Created %(num)d renewal, %(failed)d failed.",
                "Created %(num)d renewals, %(failed)d failed.",
                done,
                failed=failed,
            )
        )
    elif dry_run:
        click.echo(
            ngettext("Would create %(num)d renewal.", "Would create %(num)d renewals.", done)
        )
    else:
        click.echo(ngettext("Created %(num)d renewal.", "Created %(num)d renewals.", done))
    if failed:
        raise SystemExit(1)
