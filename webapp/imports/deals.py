"""Deals (opportunities) from rows: stage, pipeline, owner, account, contact, tags."""

from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from .. import permissions
from ..board import totals
from ..extensions import db
from ..models import (
    FORECAST_CATEGORIES,
    Opportunity,
    OpportunityContact,
    StageHistory,
    Tag,
    TimelineEntry,
    opportunity_tags,
)
from ..models.forecast import FORECAST_CATEGORY_LABELS
from ..opportunities.history import leaving
from ..reports import funnel_days, summaries
from ..timeline.services import display
from .bulk import among, executemany, insert_returning, write_updates
from .references import NewRow, Rejected, contact_key, core_key, name_key, row_id
from .writers import Writer, jsonable

STATUS_WORDS = {
    "open": "open", "aperta": "open", "aperto": "open", "in corso": "open",
    "won": "won", "vinta": "won", "vinto": "won", "closed won": "won",
    "lost": "lost", "persa": "lost", "perso": "lost", "closed lost": "lost",
}  # fmt: skip
# A forecast category by its code or its label, in any case ("Best case", "best_case").
CATEGORY_WORDS = {
    word.casefold(): code
    for code, label in FORECAST_CATEGORY_LABELS.items()
    for word in (code, label, code.replace("_", " "))
}


class StageRef(NamedTuple):
    """What moving a deal reads of its new stage (plain values, not the ORM object's)."""

    id: int
    kind: str
    probability: int


class DealWriter(Writer):
    model = Opportunity
    columns = ("name", "amount", "currency", "close_date", "description")
    reads = (
        *columns, "id", "external_id", "deleted_at", "business_line_id", "pipeline_id",
        "stage_id", "owner_id", "account_id", "probability", "probability_overridden",
        "forecast_category", "source_id", "lost_reason_id", "custom",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.positions: dict[int, int] = {}  # stage id -> next top position
        self.may_create: dict[int, bool] = {}  # business line id -> allowed
        self.manages: dict[int, bool] = {}
        self.commons: dict = {}  # stage -> the values its new deals share
        self.created_in: dict = {}  # stage -> (its id, the "created" timeline message)
        self.placements: dict = {}  # (pipeline, stage, status cells) -> (stage, its commons)
        self.pipelines_by_id: dict = {}
        self.moves: dict = {}  # (pipeline id, stage cell, status cell) -> StageRef

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        self.current_tags: dict[int, set] = {}
        ids = [row.id for row in self.existing.values()]
        if ids and any("tags" in v for v in rows):
            links = opportunity_tags.c
            query = select(links.opportunity_id, links.tag_id).where(
                among(links.opportunity_id, ids)
            )
            for opp, tag in db.session.execute(query):
                self.current_tags.setdefault(opp, set()).add(tag)
        self.refs.load_accounts({v["account"] for v in rows if v.get("account")})
        # A deal's contact is only read when the deal is new: rows updating a deal skip it.
        fresh = [v for v in rows if "contact" in v and v.get("external_id") not in self.existing]
        emails = {v["contact"] for v in fresh if "@" in v["contact"]}
        self.refs.load_contacts(emails, self._contact_names(fresh))

    def _contact_names(self, rows) -> set:
        names = set()
        for v in rows:
            text, account = v.get("contact"), v.get("account")
            if text and "@" not in text and account:
                found = self.refs.accounts.get(name_key(account))
                found = found if found is not None else self.refs.cores.get(core_key(account))
                if isinstance(found, int):
                    first, _space, last = text.strip().rpartition(" ")
                    names.add((found, contact_key(first, last)))
        return names

    def _status(self, values: dict):
        text = values.get("status")
        if not text:
            return None
        status = STATUS_WORDS.get(" ".join(text.split()).casefold())
        if status is None:
            raise Rejected(
                self.label("status"), _("Unknown status “%(text)s”: open, won or lost.", text=text)
            )
        return status

    def _category(self, values: dict) -> str | None:
        text = values.get("forecast_category")
        if not text:
            return None
        category = CATEGORY_WORDS.get(" ".join(text.split()).casefold())
        if category is None:
            names = ", ".join(str(FORECAST_CATEGORY_LABELS[code]) for code in FORECAST_CATEGORIES)
            raise Rejected(
                self.label("forecast_category"),
                _("Unknown forecast category “%(text)s”: %(names)s.", text=text, names=names),
            )
        return category

    def _stage(self, pipeline, values: dict):
        stage = self.refs.stage(pipeline, values.get("stage"), self.label("stage"))
        status = self._status(values)
        if stage is None or (status and status != "open" and stage.kind == "open"):
            stage = pipeline.stage_of_kind(status or "open")
        if stage is None:
            raise Rejected(
                self.label("stage"), _("The pipeline “%(name)s” has no stage.", name=pipeline.name)
            )
        if status and stage.kind != status:
            raise Rejected(
                self.label("status"),
                _("The stage “%(name)s” does not match the status.", name=stage.name),
            )
        return stage

    def _money(self, values: dict) -> None:
        if "currency" in values:
            currency = values["currency"].strip().upper()
            if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
                raise Rejected(self.label("currency"), _("A currency is a 3-letter code (EUR)."))
            values["currency"] = currency
        amount = values.get("amount")
        if amount is not None and not (0 <= amount < Decimal("1e12")):
            raise Rejected(self.label("amount"), _("The amount must be between 0 and 999 billion."))
        probability = values.get("probability")
        if probability is not None and not (0 <= probability <= 100):
            raise Rejected(self.label("probability"), _("The probability is between 0 and 100."))
        if values.get("name"):
            values["name"] = values["name"][:200]

    def new(self, values: dict) -> NewRow:
        if not values.get("name"):
            raise Rejected(self.label("name"), _("This field is required."))
        self._money(values)
        stage, common = self._placed(values)
        owner_id = self.resolve_owner(values, common["business_line_id"])
        get, refs = values.get, self.refs
        source = refs.source(values["source"], self.label("source")) if "source" in values else None
        reason = None
        if "lost_reason" in values:
            reason = refs.lost_reason(values["lost_reason"], self.label("lost_reason"))
        account = contact = None
        if "account" in values:
            account = refs.account(values["account"], self.label("account"), owner_id)
        if "contact" in values:
            contact = refs.contact(values["contact"], account, owner_id)
        amount = get("amount") or Decimal(0)
        category = self._category(values) if "forecast_category" in values else None
        row = self.base_values(values)
        row.update(
            common,
            amount=amount,
            amount_manual=amount > 0,
            currency=get("currency") or "EUR",
            owner_id=owner_id,
            position=self._top(common["stage_id"]),
            source_id=source,
            lost_reason_id=reason if common["status"] == "lost" else None,
            forecast_category=category,
            custom=(self._custom(values) or None) if self.custom else None,
            _account=account,
            _contact=contact,
            _tags=refs.tag_refs(values["tags"]) if "tags" in values else (),
            _stage=stage,
        )
        probability = get("probability")
        if probability is not None and probability != common["probability"]:
            row.update(probability=int(probability), probability_overridden=True)
        return NewRow(row)

    def _moved_to(self, pipeline_id: int, values: dict):
        """The stage of a deal's pipeline that the stage and status cells name (a
        ``StageRef``), found once for each combination a file holds."""
        key = (pipeline_id, values.get("stage"), values.get("status"))
        found = self.moves.get(key)
        if found is None:
            if not self.pipelines_by_id:
                self.pipelines_by_id = {p.id: p for p in self.refs.pipelines.values()}
            pipeline = self.pipelines_by_id.get(pipeline_id)
            if pipeline is None:
                raise Rejected(self.label("stage"), _("You may not use this deal's pipeline."))
            stage = self._stage(pipeline, values)
            found = self.moves[key] = StageRef(stage.id, stage.kind, stage.probability)
        return found

    def _placed(self, values: dict) -> tuple:
        """(stage, the values its new deals share) of a new deal's pipeline, stage and status
        cells, found once for each combination a file holds (refusals are not kept)."""
        key = (values.get("pipeline"), values.get("stage"), values.get("status"))
        found = self.placements.get(key)
        if found is None:
            pipeline = self.refs.pipeline(key[0], self.label("pipeline"))
            stage = self._stage(pipeline, values)
            common = self._common(pipeline, stage)
            line = common["business_line_id"]
            if line not in self.may_create:
                self.may_create[line] = permissions.can_create_in(self.user, line)
            if not self.may_create[line]:
                raise Rejected(None, _("You may not create deals in this business line."))
            found = self.placements[key] = (stage, common)
        return found

    def _common(self, pipeline, stage) -> dict:
        """The values every new deal in ``stage`` shares (read once from the ORM objects)."""
        common = self.commons.get(stage)
        if common is None:
            kind = stage.kind
            common = self.commons[stage] = {
                "business_line_id": pipeline.business_line_id,
                "pipeline_id": pipeline.id,
                "stage_id": stage.id,
                "status": kind,
                "probability": stage.probability,
                "probability_overridden": False,
                "closed_at": self.now if kind != "open" else None,
                "stage_entered_at": self.now,
                "created_by_id": self.user_id,
                "updated_by_id": self.user_id,
                "version": 1,
            }
            self.created_in[stage] = (
                stage.id,
                f"Created in {stage.name} by the import of {self.run.filename}",
            )
        return common

    @staticmethod
    def _custom(values: dict) -> dict:
        return {k[7:]: jsonable(v) for k, v in values.items() if k.startswith("custom.")}

    def _top(self, stage_id: int) -> int:
        """New deals go on top of their column, as a deal created on a page does."""
        if stage_id not in self.positions:
            lowest = db.session.scalar(
                select(func.min(Opportunity.position)).where(
                    Opportunity.stage_id == stage_id, Opportunity.status == "open"
                )
            )
            self.positions[stage_id] = lowest or 0
        self.positions[stage_id] -= 1
        return self.positions[stage_id]

    def changes(self, current, values: dict) -> dict:
        if not permissions.can_view(self.user, current):  # as if it did not exist
            raise Rejected(self.label("external_id"), "No deal you may see has this ID.")
        line = current.business_line_id
        if line not in self.manages:
            self.manages[line] = permissions.manages(self.user, line)
        if not (self.manages[line] or permissions.can_edit(self.user, current)):
            raise Rejected(None, _("You may not edit this deal: it belongs to someone else."))
        if (
            values.get("pipeline")
            and self.refs.pipeline(values["pipeline"], self.label("pipeline")).id
            != current.pipeline_id
        ):
            raise Rejected(
                self.label("pipeline"), _("An import does not move deals to another pipeline.")
            )
        if "name" in values and not values["name"]:
            raise Rejected(self.label("name"), _("This field is required."))
        self._money(values)
        changes = self.plain_changes(current, values)
        if "amount" in changes:
            changes["amount_manual"] = changes["amount"] > 0
        if values.get("owner"):
            owner_id = self.resolve_owner(values, current.business_line_id)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        if values.get("stage") or values.get("status"):
            stage = self._moved_to(current.pipeline_id, values)
            if stage.id != current.stage_id:
                changes.update(
                    stage_id=stage.id,
                    status=stage.kind,
                    stage_entered_at=self.now,
                    closed_at=self.now if stage.kind != "open" else None,
                    lost_from_stage_id=current.stage_id if stage.kind == "lost" else None,
                    _stage=(current.stage_id, stage),
                )
                if not current.probability_overridden:
                    changes["probability"] = stage.probability
        if values.get("probability") is not None:
            # The file's probability overrides the stage's only where it differs from what
            # the deal will have anyway (an export read back changes nothing).
            probability = int(values["probability"])
            if probability != changes.get("probability", current.probability):
                changes.update(probability=probability, probability_overridden=True)
        category = self._category(values)
        if category and category != current.forecast_category:
            changes["forecast_category"] = category
        if "source" in values or "lost_reason" in values:
            for key, column, lookup in (
                ("source", "source_id", self.refs.source),
                ("lost_reason", "lost_reason_id", self.refs.lost_reason),
            ):
                if values.get(key):
                    found = lookup(values[key], self.label(key))
                    if found != getattr(current, column):
                        changes[column] = found
        if values.get("account"):
            account = self.refs.account(values["account"], self.label("account"), current.owner_id)
            if not isinstance(account, int) or account != current.account_id:
                changes["account_id"] = account
        if "tags" in values:
            tags = self.refs.tag_refs(values["tags"])
            if {row_id(t) for t in tags} != self.current_tags.get(current.id, set()):
                changes["_tags"] = tags
        return changes

    def write_inserts(self) -> None:
        rows = self.inserts
        tags = [t for row in rows for t in row.values["_tags"]]
        tags += [t for u in self.updates for t in u["changes"].get("_tags", [])]
        insert_returning(
            Tag.__table__,
            [t for t in dict.fromkeys(tags) if isinstance(t, NewRow) and t.id is None],
        )
        accounts = [r.values["_account"] for r in rows]
        accounts += [u["changes"].get("account_id") for u in self.updates]
        self.write_new_accounts(accounts)
        self.write_new_contacts([r.values["_contact"] for r in rows])
        extras = [
            {k: row.values.pop(k) for k in ("_account", "_contact", "_tags", "_stage")}
            for row in rows
        ]
        for row, extra in zip(rows, extras, strict=True):
            row.values["account_id"] = row_id(extra["_account"])
            row.values["primary_contact_id"] = row_id(extra["_contact"])
        with totals.bulk_insert(db.session.connection()):
            insert_returning(Opportunity.__table__, rows)
        history, timeline, tag_links, contact_links = [], [], [], []
        now, user_id = self.now, self.user_id
        for row, extra in zip(rows, extras, strict=True):
            opp_id = row.id
            stage_id, message = self.created_in[extra["_stage"]]
            history.append(
                {"opportunity_id": opp_id, "stage_id": stage_id, "entered_at": now,
                 "left_at": None, "user_id": user_id}
            )  # fmt: skip
            timeline.append(
                {"opportunity_id": opp_id, "user_id": user_id, "created_at": now,
                 "action": "created", "field": None, "old_value": None,
                 "new_value": display(row.values["name"]), "message": message}
            )  # fmt: skip
            if extra["_tags"]:
                tag_links += [{"opportunity_id": opp_id, "tag_id": row_id(t)}
                              for t in extra["_tags"]]  # fmt: skip
            if row.values["primary_contact_id"]:
                contact_links.append(
                    {"opportunity_id": opp_id, "contact_id": row.values["primary_contact_id"],
                     "role": "other"}
                )  # fmt: skip
        executemany(StageHistory.__table__, history)
        funnel_days.add(
            funnel_days.new_deals(
                (r.values["pipeline_id"], r.values["stage_id"], r.values["status"] == "open",
                 now, r.values["status"] == "won")
                for r in rows
            )
        )  # fmt: skip
        executemany(TimelineEntry.__table__, timeline)
        executemany(opportunity_tags, tag_links)
        executemany(OpportunityContact.__table__, contact_links)

    def _entry(self, opp_id, action, field, old, new, message=None) -> dict:
        return {
            "opportunity_id": opp_id, "user_id": self.user_id, "created_at": self.now,
            "action": action, "field": field, "old_value": display(old),
            "new_value": display(new), "message": message,
        }  # fmt: skip

    def write_updates(self) -> None:
        if not self.updates:
            return
        timeline, history, closed = [], [], []
        tag_ids = {}
        staged = [u["id"] for u in self.updates if {"_stage", "status"} & u["changes"].keys()]
        before = summaries.snapshot(staged)
        for item in self.updates:
            changes, current = item["changes"], item["current"]
            if "account_id" in changes:
                changes["account_id"] = row_id(changes["account_id"])
            for key, new in changes.items():
                if key.startswith("_") or key in (
                    "amount_manual",
                    "probability_overridden",
                    "stage_entered_at",
                    "closed_at",
                    "lost_from_stage_id",
                    "status",
                ):
                    continue  # fmt: skip
                timeline.append(self._entry(item["id"], "updated", key, getattr(current, key), new))
            if "_stage" in changes:
                old_stage, stage = changes["_stage"]
                closed.append({"_opp": item["id"], "_stage": old_stage})
                history.append(
                    {"opportunity_id": item["id"], "stage_id": stage.id, "entered_at": self.now,
                     "left_at": None, "user_id": self.user_id}
                )  # fmt: skip
            if "_tags" in changes:
                tag_ids[item["id"]] = {row_id(t) for t in changes["_tags"]}
        if tag_ids:
            self._replace_tags(tag_ids, timeline)
        real = [u for u in self.updates if any(not k.startswith("_") for k in u["changes"])]
        write_updates(Opportunity.__table__, real, self.now, self.user_id, versioned=True)
        tag_only = [u["id"] for u in self.updates if u not in real and u["id"] in tag_ids]
        if tag_only:
            db.session.execute(
                update(Opportunity.__table__)
                .where(among(Opportunity.id, tag_only))
                .values(version=Opportunity.version + 1, updated_at=self.now,
                        updated_by_id=self.user_id)
            )  # fmt: skip
        if closed:
            history_table = StageHistory.__table__
            db.session.execute(
                update(history_table)
                .where(
                    history_table.c.opportunity_id == bindparam("_opp"),
                    history_table.c.stage_id == bindparam("_stage"),
                    history_table.c.left_at.is_(None),
                )
                .values(leaving(self.now)),
                closed,
                execution_options={"synchronize_session": False},
            )
        executemany(StageHistory.__table__, history)
        summaries.changed(staged, before)
        executemany(TimelineEntry.__table__, timeline)

    def _replace_tags(self, tag_ids: dict[int, set], timeline: list) -> None:
        """Set each deal's tags to the listed ones (unchanged sets are left alone)."""
        have: dict[int, set] = {opp: set() for opp in tag_ids}
        for opp, tag in db.session.execute(
            select(opportunity_tags.c.opportunity_id, opportunity_tags.c.tag_id).where(
                among(opportunity_tags.c.opportunity_id, tag_ids)
            )
        ):
            have[opp].add(tag)
        changed = {opp for opp, tags in tag_ids.items() if tags != have[opp]}
        for item in self.updates:
            if item["id"] in tag_ids and item["id"] not in changed:
                item["changes"].pop("_tags", None)
        if not changed:
            return
        db.session.execute(
            opportunity_tags.delete().where(among(opportunity_tags.c.opportunity_id, changed))
        )
        executemany(
            opportunity_tags,
            [{"opportunity_id": o, "tag_id": t} for o in changed for t in tag_ids[o]],
        )
        names = dict(db.session.execute(select(Tag.id, Tag.name)).all()) if changed else {}
        for opp in changed:
            old = ", ".join(sorted(names[t] for t in have[opp])) or None
            new = ", ".join(sorted(names[t] for t in tag_ids[opp])) or None
            timeline.append(self._entry(opp, "updated", "tags", old, new))
