"""Deal lineage: the chain of renewals, upsells and copies that grew from one origin deal.

Queries stay constant however long a chain is: recursive CTEs walk the links, then one
query loads the deals.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy import Integer, bindparam, func, literal, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from webapp import permissions
from webapp.extensions import db
from webapp.models import Account, Opportunity, User
from webapp.plugins import registry

from .models import DealLink
from .terms import term_end

PLUGIN = "renewals"


@dataclass
class ChainNode:
    opportunity: Opportunity
    kind: str | None  # how it was made from its parent; None for the origin
    depth: int
    parent_id: int | None = None


@dataclass
class Chain:
    """Deals grown from one origin, in tree order (origin first, then each one's children)."""

    nodes: list[ChainNode] = field(default_factory=list)
    current_id: int | None = None

    @property
    def origin(self) -> Opportunity:
        return self.nodes[0].opportunity

    @property
    def won_total(self) -> Decimal:
        """Lifetime value won along the chain."""
        return sum(
            (n.opportunity.amount for n in self.nodes if n.opportunity.status == "won"),
            Decimal(0),
        )

    @property
    def renewals(self) -> int:
        return sum(1 for n in self.nodes if n.kind == "renewal")

    @property
    def next_open(self) -> Opportunity | None:
        open_deals = [n.opportunity for n in self.nodes if n.opportunity.status == "open"]
        return min(open_deals, key=_by_close_date, default=None)

    def renewed(self, deal_id: int) -> bool:
        """Whether the deal has a renewal (one the user sees, not in the trash)."""
        return any(n.kind == "renewal" and n.parent_id == deal_id for n in self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)


def chain_of(user: User, opp: Opportunity) -> Chain:
    """The whole chain ``opp`` belongs to (origin, earlier and later deals) that ``user`` sees,
    in one query: walk up to the origin, down from it, and load the deals found."""
    rows = db.session.execute(_chain_query(), {"deal_id": opp.id})
    deals, links = {}, []
    for deal, source_id, kind in rows:
        deals[deal.id] = deal
        if source_id is not None:
            links.append((source_id, deal.id, kind))
    chains = _build(links, deals, user)
    chain = next((c for c in chains if any(n.opportunity.id == opp.id for n in c.nodes)), None)
    chain = chain or Chain(nodes=[ChainNode(opp, None, 0)])
    chain.current_id = opp.id
    return chain


def is_linked(opp: Opportunity) -> bool:
    """Whether the deal was made from another or another from it (a chain to show)."""
    return db.session.execute(_linked_query(), {"deal_id": opp.id}).first() is not None


@cache
def _linked_query():
    deal_id = bindparam("deal_id", type_=Integer)
    return (
        select(literal(1))
        .where(or_(DealLink.source_id == deal_id, DealLink.opportunity_id == deal_id))
        .limit(1)
    )


@cache
def _chain_query():
    """The statement of ``chain_of``, built once (building it cost more than running it)."""
    deal_id = bindparam("deal_id", type_=Integer)
    up = (
        select(DealLink.source_id.label("id"), literal(1).label("depth"))
        .where(DealLink.opportunity_id == deal_id)
        .cte("lineage_up", recursive=True)
    )
    up = up.union_all(
        select(DealLink.source_id, up.c.depth + 1).join(up, DealLink.opportunity_id == up.c.id)
    )
    root = func.coalesce(
        select(up.c.id).order_by(up.c.depth.desc()).limit(1).scalar_subquery(), deal_id
    )
    down = (
        select(DealLink.source_id, DealLink.opportunity_id, DealLink.kind)
        .where(DealLink.source_id == root)
        .cte("lineage_down", recursive=True)
    )
    down = down.union_all(
        select(DealLink.source_id, DealLink.opportunity_id, DealLink.kind).join(
            down, DealLink.source_id == down.c.opportunity_id
        )
    )
    return (
        select(Opportunity, down.c.source_id, down.c.kind)
        .outerjoin(down, down.c.opportunity_id == Opportunity.id)
        .where(Opportunity.id.in_(union(select(root), select(down.c.opportunity_id))))
        .options(joinedload(Opportunity.stage))
    )


def account_chains(user: User, account: Account) -> list[Chain]:
    """The chains of linked deals of an account (two deals or more), newest activity first."""
    new_deal = aliased(Opportunity)
    source_deal = aliased(Opportunity)
    rows = db.session.execute(
        select(DealLink.source_id, DealLink.opportunity_id, DealLink.kind)
        .join(new_deal, new_deal.id == DealLink.opportunity_id)
        .join(source_deal, source_deal.id == DealLink.source_id)
        .where(or_(new_deal.account_id == account.id, source_deal.account_id == account.id))
    )
    links = [tuple(row) for row in rows]
    if not links:
        return []
    ids = {i for source, new, _ in links for i in (source, new)}
    chains = [c for c in _build(links, _load(ids), user) if len(c) > 1]
    return sorted(
        chains,
        key=lambda c: max(_last_day(n.opportunity) for n in c.nodes),
        reverse=True,
    )


def awaiting_renewal(user: User, account: Account) -> list[tuple[Opportunity, date]]:
    """The account's won deals with a term and no live renewal, by term end (one query)."""
    renewed = (
        select(DealLink.renewal_of_id)
        .join(Opportunity, Opportunity.id == DealLink.opportunity_id)
        .where(DealLink.renewal_of_id.is_not(None), Opportunity.deleted_at.is_(None))
    )
    deals = db.session.scalars(
        select(Opportunity).where(
            Opportunity.account_id == account.id,
            Opportunity.status == "won",
            Opportunity.deleted_at.is_(None),
            Opportunity.contract_months.is_not(None),
            Opportunity.id.not_in(renewed),
        )
    )
    found = [(d, term_end(d)) for d in deals if _shown(user, d)]
    return sorted([(d, end) for d, end in found if end], key=lambda pair: pair[1])


def _by_close_date(deal: Opportunity) -> tuple:
    return (deal.close_date is None, deal.close_date or date.min, deal.id)


def _last_day(deal: Opportunity) -> date:
    return deal.close_date or deal.created_at.date()


def _load(ids: set[int]) -> dict[int, Opportunity]:
    deals = db.session.scalars(
        select(Opportunity).options(joinedload(Opportunity.stage)).where(Opportunity.id.in_(ids))
    )
    return {d.id: d for d in deals}


def _shown(user: User, deal: Opportunity | None) -> bool:
    """A deal appears in a chain when it is not trashed, the user may see it and its
    business line has the plugin enabled."""
    return (
        deal is not None
        and deal.deleted_at is None
        and permissions.can_view(user, deal)
        and PLUGIN in registry().enabled_for(deal.business_line_id)
    )


def _build(links: list[tuple], deals: dict[int, Opportunity], user: User) -> list[Chain]:
    """Chains from (source, new, kind) links; hidden deals are left out, their children kept."""
    children: dict[int, list[tuple[int, str]]] = defaultdict(list)
    has_parent = set()
    for source, new, kind in links:
        children[source].append((new, kind))
        has_parent.add(new)
    roots = sorted({source for source, _, _ in links} - has_parent) or sorted(deals)[:1]

    def order(item):
        deal = deals.get(item[0])
        return _by_close_date(deal) if deal is not None else (True, date.min, item[0])

    chains = []
    for root in roots:
        chain = Chain()
        stack = [(root, None, 0, None)]
        while stack:
            deal_id, kind, depth, parent_id = stack.pop()
            deal = deals.get(deal_id)
            shown = _shown(user, deal)
            if shown:
                chain.nodes.append(ChainNode(deal, kind, depth, parent_id))
            for child, child_kind in sorted(children.get(deal_id, []), key=order, reverse=True):
                stack.append(
                    (child, child_kind, depth + 1, deal_id)
                    if shown
                    else (child, child_kind, depth, parent_id)
                )
        if chain.nodes:
            chains.append(chain)
    return chains
