"""From what a form says about an account to the account: the one way every form goes.

A form sends ``account_id`` (a suggestion the user picked) and/or ``account_name`` (what they
typed). The picked account wins. Else the account with the same name (case, accents,
punctuation and spacing ignored: ``names.name_key``) is linked, or the user is asked when
several have it. Else, when accounts with a similar name exist (another legal form, a close
spelling), the user is asked to pick one or to confirm a new account
(``account_confirm_new``). Every lookup reads an index: no scan of the accounts.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ValidationError
from ..extensions import db
from ..inputs import integer
from ..models import Account, User
from ..models.names import core_key, name_key
from ..opportunities.fields import text

CONFIRM = "account_confirm_new"
SHOWN = 6
NEIGHBOURS = 25  # rows read on each side of the name in core-key order
SIMILAR = 0.85


@dataclass
class Matches:
    """Live accounts named like a typed name: the same name, and similar names."""

    exact: list[Account] = field(default_factory=list)
    near: list[Account] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.exact or self.near)


def exact_matches(name: str | None, limit: int = SHOWN) -> list[Account]:
    """Live accounts with the same name (as ``name_key`` compares), oldest first."""
    key = name_key(name)
    if not key:
        return []
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.name_key == key, Account.deleted_at.is_(None))
            .order_by(Account.id)
            .limit(limit)
        )
    )


def similarity(a: str, b: str) -> float:
    """How alike two core keys are (1 = the same company name); names that differ only in
    their digits ("Studio 54", "Studio 55") are different companies."""
    if a == b:
        return 1.0
    if _letters(a) == _letters(b):
        return 0.0
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and long.startswith(short):
        return 0.9
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0  # cheap upper bounds already too low
    return matcher.ratio()


def _letters(key: str) -> str:
    return "".join(ch for ch in key if not ch.isdigit())


def near_matches(name: str | None, limit: int = SHOWN) -> list[Account]:
    """Live accounts whose name is like ``name`` without being the same: the same name
    without the legal form, or a close spelling among the neighbours in core-key order
    (index range reads, at most 3 x NEIGHBOURS rows), most alike first."""
    key, core = name_key(name), core_key(name)
    if not core:
        return []
    prefix = core[:4]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    keys = select(Account.id, Account.name_key, Account.core_key, Account.name).where(
        Account.deleted_at.is_(None)
    )
    queries = (
        keys.where(Account.core_key == core).limit(NEIGHBOURS),
        keys.where(Account.core_key > core, Account.core_key < upper)
        .order_by(Account.core_key)
        .limit(NEIGHBOURS),
        keys.where(Account.core_key < core, Account.core_key >= prefix)
        .order_by(Account.core_key.desc())
        .limit(NEIGHBOURS),
    )
    rows = {row.id: row for query in queries for row in db.session.execute(query)}
    scored = [(similarity(core, row.core_key), row) for row in rows.values() if row.name_key != key]
    scored = sorted(
        ((score, row) for score, row in scored if score >= SIMILAR),
        key=lambda pair: (-pair[0], pair[1].name, pair[1].id),
    )[:limit]
    if not scored:
        return []
    ids = [row.id for _score, row in scored]
    found = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(ids)))}
    return [found[i] for i in ids]


def matches(name: str | None) -> Matches:
    """What a form shows under a typed name it could not link by itself."""
    name = (name or "").strip()
    if not name:
        return Matches()
    return Matches(exact_matches(name), near_matches(name))


def confirmed(data: dict) -> bool:
    """The user confirmed that the typed name is a new account."""
    return str(data.get(CONFIRM, "")).strip().lower() in ("1", "on", "true", "yes")


def picked_account(value, field: str = "account_id") -> Account | None:
    """The account of a picked id; one merged since leads to the account it was merged into."""
    if value in (None, ""):
        return None
    if isinstance(value, Account):
        return value
    number = value if isinstance(value, int) else integer(str(value).strip(), minimum=1)
    account = None if number is None else db.session.get(Account, number)
    for _step in range(10):  # follow a short chain of merges
        if account is None or account.deleted_at is None or account.merged_into_id is None:
            break
        account = db.session.get(Account, account.merged_into_id)
    if account is None or account.deleted_at is not None:
        raise ValidationError({field: _("Unknown account.")})
    return account


def choose_account(
    data: dict, *, field: str = "account_name", required: bool = False
) -> Account | str | None:
    """What the form means, without writing anything: the existing account, the name of a new
    one (a str), or None when the form names no account.

    Raises ValidationError on ``field`` when the name needs the user's choice: several
    accounts have it, or accounts with a similar name exist and the new one is not confirmed.
    """
    account = picked_account(data.get("account_id"))
    if account is not None:
        return account
    name = text(field, data.get("account_name"))
    if not name:
        if required:
            raise ValidationError({field: _("Pick an account or type the name of a new one.")})
        return None
    same = exact_matches(name)
    if len(same) == 1:
        return same[0]
    if same:
        raise ValidationError(
            {field: _("Several accounts are named “%(name)s”: pick one of them.", name=name)}
        )
    if not confirmed(data) and near_matches(name):
        raise ValidationError(
            {
                field: _(
                    "Accounts with a similar name exist: pick one of them, "
                    "or confirm that “%(name)s” is a new account.",
                    name=name,
                )
            }
        )
    return name


def new_account(name: str, owner: User | None) -> Account:
    """A new account, added to the session (written with the caller's transaction)."""
    account = Account(name=name, owner=owner)
    db.session.add(account)
    return account


def resolve_account(
    user: User,
    data: dict,
    *,
    owner: User | None = None,
    field: str = "account_name",
    required: bool = False,
) -> Account | None:
    """``choose_account``, creating the new account (owned by ``owner``, else ``user``)."""
    choice = choose_account(data, field=field, required=required)
    if isinstance(choice, str):
        return new_account(choice, owner or user)
    return choice
