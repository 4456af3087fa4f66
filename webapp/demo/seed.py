"""A deterministic demo company at any scale, written with bulk inserts.

Same ``seed`` and same day give the same data; dates are relative to today so the demo
always has deals closing in the coming months and a year of stage history behind it.
"""

import random
import time
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, insert, select, text, update

from ..auth.services import create_user
from ..errors import ValidationError
from ..extensions import db
from ..models import (
    Account,
    Activity,
    BusinessLine,
    Contact,
    Lead,
    LostReason,
    Note,
    Opportunity,
    OpportunityContact,
    OpportunityLine,
    Pipeline,
    PluginEnablement,
    Product,
    Source,
    StageHistory,
    Tag,
    TimelineEntry,
    User,
    opportunity_tags,
)
from ..models._base import utcnow
from ..models.forecast import SalesTarget
from ..models.names import contact_key, core_key, name_key
from ..opportunities.history import visit_days
from ..pipelines.services import create_pipeline
from ..plugins import registry
from ..reports import summaries
from ..reports.periods import add_months, month_start
from ..setup.services import ensure_defaults

DEMO_PASSWORD = "opportuno-demo"
# Explicit forecast categories on open deals, in turn (None: follows the probability).
FORECAST_PICKS = ("commit", "best_case", "omitted", "pipeline") + (None,) * 8
CHUNK = 5000
CENT = Decimal("0.01")

PREFIXES = (
    "Acme",
    "Nord",
    "Blue",
    "Alpine",
    "Delta",
    "Vega",
    "Orion",
    "Terra",
    "Luce",
    "Sole",
    "Marea",
    "Aurora",
    "Pixel",
    "Quanta",
    "Zenit",
    "Borea",
    "Castel",
    "Fiume",
    "Ponte",
    "Verde",
    "Rossi",
    "Bianchi",
    "Pars",
    "Arya",
    "Kian",
    "Sepid",
    "Nova",
    "Helix",
)
SUFFIXES = (
    "Systems",
    "Logistics",
    "Foods",
    "Media",
    "Energia",
    "Consulting",
    "Labs",
    "Group",
    "Manifattura",
    "Tech",
    "Retail",
    "Design",
    "Pharma",
    "Trasporti",
    "Studio",
    "Holding",
)
FIRST = (
    "Giulia",
    "Marco",
    "Sara",
    "Luca",
    "Chiara",
    "Matteo",
    "Elena",
    "Davide",
    "Reza",
    "Sara",
    "Darya",
    "Omid",
    "Anna",
    "Paolo",
    "Laura",
    "Nima",
    "Francesca",
    "Ali",
    "Marta",
    "Leila",
)
LAST = (
    "Rossi",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Conti",
    "Ahmadi",
    "Hosseini",
    "Karimi",
    "Moradi",
    "Esposito",
    "Ferrari",
    "Gallo",
    "Rahimi",
    "Costa",
    "Fontana",
)
INDUSTRIES = (
    "Manufacturing",
    "Retail",
    "Media agency",
    "Logistics",
    "Healthcare",
    "Finance",
    "Public sector",
    "Education",
    "Food & beverage",
    "Energy",
)
CITIES = (
    ("Milano", "IT"),
    ("Torino", "IT"),
    ("Bologna", "IT"),
    ("Roma", "IT"),
    ("Tehran", "IR"),
    ("Isfahan", "IR"),
    ("Zürich", "CH"),
    ("Lyon", "FR"),
)
PRODUCTS = (
    ("CRM-STD", "CRM licence, standard seat", 360, 12),
    ("CRM-PRO", "CRM licence, professional seat", 720, 12),
    ("SUP-GOLD", "Gold support plan", 4800, 12),
    ("SUP-SILV", "Silver support plan", 2400, 12),
    ("ONB-DAY", "Onboarding workshop (day)", 1200, None),
    ("INT-ERP", "ERP integration project", 15000, None),
    ("TRN-USER", "User training (day)", 900, None),
    ("HOST-VM", "Managed hosting", 3600, 12),
)
TAGS = (
    ("media agency", "info"),
    ("public tender", "warning"),
    ("strategic", "danger"),
    ("referral", "success"),
    ("upsell", "primary"),
    ("partner-led", "secondary"),
)
# Type, subject and duration (minutes) of the demo's activities.
ACTIVITIES = (
    ("call", "Follow-up call", 15),
    ("call", "Check the budget", 30),
    ("meeting", "Demo", 60),
    ("meeting", "Negotiation meeting", 90),
    ("visit", "Visit the customer", 120),
    ("task", "Send the offer", 30),
    ("email", "Send the references", None),
    ("deadline", "Tender submission", None),
)
DEAL_KINDS = (
    "licences",
    "support",
    "integration",
    "rollout",
    "training",
    "renewal",
    "hosting",
    "pilot",
    "expansion",
)
USERS = (
    ("admin@example.com", "Ada Admin", "admin"),
    ("manager@example.com", "Marta Manager", "manager"),
    ("sales1@example.com", "Giulia Rossi", "sales"),
    ("sales2@example.com", "Marco Bianchi", "sales"),
    ("sales3@example.com", "Leila Ahmadi", "sales"),
    ("sales4@example.com", "Luca Romano", "sales"),
    ("sales5@example.com", "Nima Karimi", "sales"),
    ("sales6@example.com", "Chiara Greco", "sales"),
)


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def _bulk(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])


def _reference_data(rng: random.Random) -> dict:
    software = ensure_defaults()  # a fresh install's line, pipeline, lost reasons, sources
    if software is None:
        raise ValidationError(
            gettext("The database has its own business lines; seed an empty one.")
        )
    software.name, software.slug = "Software", "software"
    default = db.session.scalar(
        select(Pipeline).where(Pipeline.business_line_id == software.id, Pipeline.is_default)
    )
    default.name = "New business"
    services = BusinessLine(name="Services", slug="services")
    db.session.add(services)
    lines = [software, services]
    pipelines = [default, create_pipeline(services, "Services", is_default=True)]
    db.session.add_all(Tag(name=n, color=c) for n, c in TAGS)
    db.session.add_all(
        Product(code=c, name=n, unit_price=Decimal(p), recurring_months=m)
        for c, n, p, m in PRODUCTS
    )
    db.session.commit()
    db.session.add_all(PluginEnablement(business_line_id=bl.id, plugin="renewals") for bl in lines)
    db.session.add(PluginEnablement(business_line_id=lines[0].id, plugin="erp_quotes"))
    users = [create_user(e, DEMO_PASSWORD, name=n, role=r) for e, n, r in USERS]
    return {
        "lines": lines,
        "pipelines": pipelines,
        "users": users,
        "sellers": [u for u in users if u.role != "admin"],
        "reasons": list(db.session.scalars(select(LostReason.id))),
        "sources": list(db.session.scalars(select(Source.id))),
        "tags": list(db.session.scalars(select(Tag.id))),
        "products": list(db.session.scalars(select(Product))),
    }


def _pipeline_variants(lines: list, pipelines: list) -> None:
    """Pipeline variants on in the demo lines: gates on the default pipelines and a second
    pipeline in each line (when the bundled plugin is installed)."""
    from ..admin.services import set_plugin_enabled

    if "pipeline_variants" not in registry().optional:
        return
    from plugins.pipeline_variants import services as variants

    for line, pipeline in zip(lines, pipelines, strict=True):
        set_plugin_enabled(None, line.id, "pipeline_variants", True)
        variants.adopt_gates(None, pipeline, "brevo")
    variants.instantiate(None, lines[0].id, "vtiger", "Enterprise potentials")
    variants.instantiate(None, lines[1].id, "renewals")


def _ending_at(entered: list, last) -> list:
    """Stage entry times rescaled from the first so that the last one falls at ``last``."""
    first = entered[0]
    if last <= first:  # created after ``last``: already recent
        return entered
    if entered[-1] == first:
        return [*entered[:-1], last]
    ratio = (last - first) / (entered[-1] - first)
    return [first + (t - first) * ratio for t in entered]


def _through_every_stage(path: list, entered: list, open_stages: list) -> tuple[list, list]:
    """A won deal's path with the open stages it skipped before winning put back, entered at
    even steps of its last stretch (the funnel narrows as a real one does)."""
    skipped = open_stages[len(path) - 1 :]
    if not skipped:
        return path, entered
    last, won_at = entered[-2], entered[-1]
    step = (won_at - last) / (len(skipped) + 1)
    times = [last + step * (i + 1) for i in range(len(skipped))]
    return [*path[:-1], *skipped, path[-1]], [*entered[:-1], *times, won_at]


def _account_names(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` distinct (account name, company) pairs: each prefix x suffix once, in a shuffled
    order, then the same companies numbered ("Fiume Foods 2")."""
    companies = [f"{prefix} {suffix}" for prefix in PREFIXES for suffix in SUFFIXES]
    rng.shuffle(companies)
    names = []
    for i in range(n):
        company = companies[i % len(companies)]
        rank = i // len(companies)
        names.append((f"{company} {rank + 1}" if rank else company, company))
    return names


def _people(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` (first name, last name) pairs, no full name twice."""
    people: dict[str, tuple[str, str]] = {}
    while len(people) < n:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.setdefault(contact_key(first, last), (first, last))
    return list(people.values())


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def seed_demo(count: int, *, seed: int = 1) -> dict:
    """Seed reference data, users, accounts, contacts, ``count`` opportunities and leads."""
    started = time.perf_counter()
    rng = random.Random(seed)
    ref = _reference_data(rng)
    now = utcnow().replace(microsecond=0)
    today = now.date()

    n_accounts = max(20, count // 8)
    account_id, contact_id = _next_id(Account), _next_id(Contact)
    accounts, contacts, contacts_of = [], [], {}
    for i, (name, company) in enumerate(_account_names(rng, n_accounts)):
        aid = account_id + i
        city, country = rng.choice(CITIES)
        accounts.append(
            {
                "id": aid,
                "name": name,
                "name_key": name_key(name),
                "core_key": core_key(name),
                "industry": rng.choice(INDUSTRIES),
                "city": city,
                "country": country,
                "website": f"https://www.{company.lower().replace(' ', '')}.example",
                "owner_id": rng.choice(ref["sellers"]).id,
                "created_at": now,
                "updated_at": now,
            }
        )
        contacts_of[aid] = []
        for first, last in _people(rng, rng.randint(1, 3)):
            contacts.append(
                {
                    "id": contact_id,
                    "account_id": aid,
                    "first_name": first,
                    "last_name": last,
                    "name_key": contact_key(first, last),
                    "title": rng.choice(
                        ("CEO", "CFO", "CTO", "Buyer", "IT manager", "Head of sales")
                    ),
                    "email": f"{first}.{last}.{contact_id}@example.com".lower(),
                    "phone": f"+39 02 {rng.randint(1000000, 9999999)}",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            contacts_of[aid].append(contact_id)
            contact_id += 1
    _bulk(Account.__table__, accounts)
    _bulk(Contact.__table__, contacts)

    pipelines = [(p, [s for s in p.stages]) for p in ref["pipelines"]]
    opp_rows, history, timeline, tag_rows, line_rows, roles, activities, notes = (
        [] for _ in range(8)
    )
    opp_id = _next_id(Opportunity)
    for i in range(count):
        oid = opp_id + i
        pipeline, stages = pipelines[0] if rng.random() < 0.7 else pipelines[1]
        open_stages = [s for s in stages if s.kind == "open"]
        won = next(s for s in stages if s.kind == "won")
        lost = next(s for s in stages if s.kind == "lost")
        owner = rng.choice(ref["sellers"])
        aid = account_id + rng.randrange(n_accounts)
        created = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1439))
        roll = rng.random()
        reached = rng.randint(0, len(open_stages) - 1)
        path = open_stages[: reached + 1]
        final = won if roll < 0.18 else lost if roll < 0.33 else None
        if final:
            path = [*path, final]
        months = rng.choice((12, 12, 24)) if final is won and rng.random() < 0.6 else None
        if months:
            # Won at the start of a term that ends within the coming year: renewals to try.
            ends = today + timedelta(days=rng.randint(-20, 330))
            start = ends.replace(year=ends.year - months // 12, day=min(ends.day, 28))
            won_at = datetime.combine(start, datetime.min.time()) + timedelta(hours=10)
            created = min(created, won_at - timedelta(days=rng.randint(15, 120)))
        # Spread the stage entries between creation and now.
        span = (now - created).total_seconds()
        marks = sorted(rng.random() for _ in path[1:])
        entered = [created] + [created + timedelta(seconds=int(span * m * 0.9)) for m in marks]
        if not final:
            # Most open deals moved lately; about one in five sits past its rotting days.
            days = rng.randint(0, 10) if rng.random() < 0.8 else rng.randint(25, 120)
            entered = _ending_at(entered, now - timedelta(days=days, minutes=rng.randint(0, 600)))
            created = entered[0]
        if months:
            entered = _ending_at(entered, won_at)
        if final is won:
            path, entered = _through_every_stage(path, entered, open_stages)
        for j, stage in enumerate(path):
            history.append(
                {
                    "opportunity_id": oid,
                    "stage_id": stage.id,
                    "entered_at": entered[j],
                    "left_at": entered[j + 1] if j + 1 < len(path) else None,
                    "user_id": owner.id,
                }
            )
        stage = path[-1]
        amount = Decimal(
            rng.choice((1, 2, 3, 5, 8, 12, 20, 35, 60, 120)) * rng.randint(5, 15) * 100
        )
        close = (today + timedelta(days=rng.randint(-30, 180))) if not final else entered[-1].date()
        opp_rows.append(
            {
                "id": oid,
                "name": f"{rng.choice(PREFIXES)} {rng.choice(DEAL_KINDS)} {today.year + (i % 2)}",
                "account_id": aid,
                "primary_contact_id": contacts_of[aid][0],
                "owner_id": owner.id,
                "business_line_id": pipeline.business_line_id,
                "pipeline_id": pipeline.id,
                "stage_id": stage.id,
                "position": i,
                "probability": stage.probability,
                "probability_overridden": False,
                "amount": amount,
                "amount_manual": True,
                "objective": amount * Decimal(rng.choice(("0.8", "1", "1.2"))),
                "currency": "EUR",
                "close_date": close,
                "source_id": rng.choice(ref["sources"]),
                "status": stage.kind,
                "closed_at": entered[-1] if final else None,
                "lost_reason_id": rng.choice(ref["reasons"]) if final is lost else None,
                "lost_from_stage_id": path[-2].id if final is lost else None,
                "stage_entered_at": entered[-1],
                "created_at": created,
                "updated_at": entered[-1],
                "created_by_id": owner.id,
                "updated_by_id": owner.id,
                "version": 1,
                "contract_start": close if months else None,
                "contract_months": months,
                "forecast_category": None if final else FORECAST_PICKS[i % len(FORECAST_PICKS)],
                "revenue_low": amount * Decimal("0.8") if i % 4 == 1 else None,
                "revenue_high": amount * Decimal("1.3") if i % 4 == 1 else None,
            }
        )
        timeline.append(
            {
                "opportunity_id": oid,
                "user_id": owner.id,
                "created_at": created,
                "action": "created",
                "field": None,
                "old_value": None,
                "new_value": opp_rows[-1]["name"],
                "message": f"Created in {path[0].name}",
            }
        )
        for j, st in enumerate(path[1:], start=1):
            timeline.append(
                {
                    "opportunity_id": oid,
                    "user_id": owner.id,
                    "created_at": entered[j],
                    "action": "stage",
                    "field": "stage",
                    "old_value": path[j - 1].name,
                    "new_value": st.name,
                    "message": None,
                }
            )
        for tag_id in rng.sample(ref["tags"], k=rng.choice((0, 0, 1, 1, 2))):
            tag_rows.append({"opportunity_id": oid, "tag_id": tag_id})
        roles.append(
            {
                "opportunity_id": oid,
                "contact_id": contacts_of[aid][0],
                "role": rng.choice(("decision_maker", "technical", "finance", "influencer")),
            }
        )
        if i % 3 == 0:
            product = rng.choice(ref["products"])
            line_rows.append(
                {
                    "opportunity_id": oid,
                    "product_id": product.id,
                    "description": product.name,
                    "quantity": rng.randint(1, 20),
                    "unit_price": product.unit_price,
                    "discount": rng.choice((0, 0, 5, 10)),
                    "position": 0,
                }
            )
        if not final and i % 2 == 0:
            day = now.replace(hour=0, minute=0, second=0, microsecond=0)
            due = day + timedelta(
                days=rng.randint(-10, 30), hours=rng.randint(8, 17), minutes=rng.choice((0, 30))
            )
            if due.weekday() >= 5:  # salespeople's week: to the Monday after
                due += timedelta(days=7 - due.weekday())
            kind, subject, duration = rng.choice(ACTIVITIES)
            done = due < now and i % 4 == 0  # some of the past ones were done
            activities.append(
                {
                    "opportunity_id": oid,
                    "kind": kind,
                    "subject": subject,
                    "due_at": due,
                    "duration_minutes": duration,
                    "done": done,
                    "done_at": due if done else None,
                    "owner_id": owner.id,
                    "contact_id": contacts_of[aid][0],
                    "created_at": created,
                    "updated_at": created,
                }
            )
        if i % 5 == 0:
            notes.append(
                {
                    "opportunity_id": oid,
                    "author_id": owner.id,
                    "pinned": i % 25 == 0,
                    "body": rng.choice(
                        (
                            "Budget confirmed for Q3.",
                            "They also talk to a competitor.",
                            "Extra contact: the office manager handles purchase orders.",
                            "Asked for a discount on the support plan.",
                        )
                    ),
                    "created_at": created,
                    "updated_at": created,
                }
            )
    _bulk(Opportunity.__table__, opp_rows)
    _bulk(StageHistory.__table__, history)
    db.session.execute(
        update(StageHistory)
        .where(StageHistory.left_at.is_not(None), StageHistory.days.is_(None))
        .values(days=visit_days(StageHistory.left_at))
    )
    summaries.rebuild()
    _bulk(TimelineEntry.__table__, timeline)
    _bulk(opportunity_tags, tag_rows)
    _bulk(OpportunityContact.__table__, roles)
    _bulk(OpportunityLine.__table__, line_rows)
    _bulk(Activity.__table__, activities)
    _bulk(Note.__table__, notes)
    _bulk(Lead.__table__, _leads(rng, ref, max(12, count // 25), now))
    _bulk(SalesTarget.__table__, _targets(ref, now))
    _sync_sequences()
    db.session.commit()
    _pipeline_variants(ref["lines"], ref["pipelines"])
    registry().hook("demo_seeded", any_line=True)(seed=seed)  # plugins' own demo rows
    db.session.commit()
    return {
        "opportunities": count,
        "accounts": n_accounts,
        "users": len(ref["users"]),
        "seconds": time.perf_counter() - started,
    }


def _targets(ref: dict, now) -> list[dict]:
    """Monthly targets for every seller in every line, from six months ago to six ahead:
    a little above what they won per month over the past year (at least 1,000)."""
    won = {
        (owner, line): total
        for owner, line, total in db.session.execute(
            select(Opportunity.owner_id, Opportunity.business_line_id, func.sum(Opportunity.amount))
            .where(Opportunity.status == "won", Opportunity.closed_at >= now - timedelta(days=365))
            .group_by(Opportunity.owner_id, Opportunity.business_line_id)
        )
    }
    this_month = month_start(now.date())
    rows = []
    for seller in ref["sellers"]:
        for line in ref["lines"]:
            monthly = Decimal(won.get((seller.id, line.id)) or 0) * Decimal("1.15") / 12
            base = max(Decimal(1000), round(monthly, -2))
            for step in range(-6, 7):
                rows.append(
                    {
                        "owner_id": seller.id,
                        "business_line_id": line.id,
                        "month": add_months(this_month, step),
                        "amount": (base * Decimal(("0.9", "1", "1.1")[step % 3])).quantize(CENT),
                        "updated_at": now,
                    }
                )
    return rows


LEAD_STATUSES_SPREAD = ("new",) * 4 + ("contacted",) * 3 + ("qualified",) * 2 + ("disqualified",)


def _leads(rng: random.Random, ref: dict, n: int, now) -> list[dict]:
    """Prospects not yet converted: a few per seller, some unassigned, from the last 60 days."""
    rows = []
    for _ in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)}"
        owner = rng.choice(ref["sellers"]) if rng.random() < 0.85 else None
        created = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1439))
        rows.append(
            {
                "first_name": first,
                "last_name": last,
                "company": company,
                "title": rng.choice(("CEO", "CFO", "Buyer", "IT manager", "Office manager")),
                "email": f"{first}.{last}@{company.split()[0]}.example.com".lower(),
                "phone": f"+39 06 {rng.randint(1000000, 9999999)}",
                "source_id": rng.choice(ref["sources"]),
                "status": rng.choice(LEAD_STATUSES_SPREAD),
                "owner_id": owner.id if owner else None,
                "business_line_id": rng.choice(ref["lines"]).id,
                "description": rng.choice(
                    (
                        "Asked for a price list at the trade fair.",
                        "Downloaded the white paper; wants a call next week.",
                        "Referred by an existing customer.",
                        None,
                    )
                ),
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def _sync_sequences() -> None:
    """PostgreSQL: explicit ids do not advance the serial sequences; move them past the rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("accounts", "contacts", "opportunities"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )
