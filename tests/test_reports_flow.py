"""The conversion funnel and time-in-stage reports against hand-computed figures, on a small
stage history written by the real services (create, move forwards and backwards, won, lost,
reopen, trash), with its times then set to whole days."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.test_reports_pipeline import rows_of
from webapp.extensions import db
from webapp.models import StageHistory
from webapp.models._base import utcnow
from webapp.opportunities.history import visit_days
from webapp.opportunities.services import delete_opportunity, move_stage
from webapp.reports import funnel_days, summaries

Q1 = "period=custom&from=2026-01-01&to=2026-03-31"
NONE = '<span class="text-body-secondary">—</span>'  # a cell without a value


def day(month: int, number: int, year: int = 2026) -> datetime:
    return datetime(year, month, number, 12)


def set_history(deal, visits) -> None:
    """Check the services wrote one history row per stage visited, in order, the last one
    still open; then give each visit its ``(stage, entered)`` time (left: the next entry)."""
    rows = db.session.scalars(
        select(StageHistory).where(StageHistory.opportunity_id == deal.id).order_by(StageHistory.id)
    ).all()
    assert [r.stage_id for r in rows] == [stage.id for stage, _ in visits]
    assert all(r.left_at for r in rows[:-1]) and rows[-1].left_at is None
    before = summaries.snapshot([deal.id])
    times = [entered for _, entered in visits]
    for row, entered, left in zip(rows, times, [*times[1:], None], strict=True):
        row.entered_at, row.left_at = entered, left
    deal.stage_entered_at = times[-1]
    db.session.flush()
    recount_days(deal.id)
    summaries.changed([deal.id], before)
    db.session.commit()


def recount_days(deal_id: int) -> None:
    """Each ended visit's length, as the services write it when a deal leaves a stage."""
    db.session.execute(
        update(StageHistory)
        .where(StageHistory.opportunity_id == deal_id, StageHistory.left_at.is_not(None))
        .values(days=visit_days(StageHistory.left_at))
    )


@pytest.fixture
def history(create_opportunity, pipeline, sales_user, manager):
    """Deals A..H (days in each visit in brackets), stages of the default pipeline.

    A: New (10) → Qualification (4) → Demo (30) → Won.
    B, moved backwards: New (2) → Qualification (6) → Demo (2) → Qualification (8) →
       Demo (25) → Lost.
    C, reopened: New (2) → Qualification (20) → Won (11) → reopened in Negotiation (30) → Won.
    D: in New since 1 March.
    E, from last year: New (19) → Qualification (14, left on 3 January) → Lost.
    F: New → Qualification in January, then trashed.
    H, won then reopened: New (8) → Won (1) → reopened in Qualification, open.
    """
    new, qualification, demo, _, negotiation, won, lost = pipeline.stages
    reason = factories.lost_reason("Price")
    deals = {name: create_opportunity(name=f"Deal {name}") for name in "ABCDEFH"}

    def move(name, *stages):
        for stage in stages:
            extra = {"lost_reason_id": reason.id} if stage is lost else {}
            move_stage(sales_user, deals[name], stage.id, **extra)

    move("A", qualification, demo, won)
    move("B", qualification, demo, qualification, demo, lost)
    move("C", qualification, won, negotiation, won)
    move("E", qualification, lost)
    move("F", qualification)
    move("H", won, qualification)
    set_history(deals["A"], [(new, day(1, 1)), (qualification, day(1, 11)),
                             (demo, day(1, 15)), (won, day(2, 14))])  # fmt: skip
    set_history(deals["B"], [(new, day(1, 2)), (qualification, day(1, 4)), (demo, day(1, 10)),
                             (qualification, day(1, 12)), (demo, day(1, 20)),
                             (lost, day(2, 14))])  # fmt: skip
    set_history(deals["C"], [(new, day(1, 3)), (qualification, day(1, 5)), (won, day(1, 25)),
                             (negotiation, day(2, 5)), (won, day(3, 7))])  # fmt: skip
    set_history(deals["D"], [(new, day(3, 1))])
    set_history(deals["E"], [(new, day(12, 1, 2025)), (qualification, day(12, 20, 2025)),
                             (lost, day(1, 3))])  # fmt: skip
    set_history(deals["F"], [(new, day(1, 5)), (qualification, day(1, 6))])
    set_history(deals["H"], [(new, day(1, 6)), (won, day(1, 14)),
                             (qualification, day(1, 15))])  # fmt: skip
    delete_opportunity(manager, deals["F"])
    assert [deals[n].status for n in "ABCDEH"] == ["won", "lost", "won", "open", "lost", "open"]
    return deals


def table(client, key: str, query: str, name: str) -> dict:
    html = client.get(f"/reports/{key}?{query}").get_data(as_text=True)
    return {row[0]: row[1:] for row in rows_of(html, name)}


# Conversion funnel


def test_funnel_against_hand_computed_figures(client, auth, manager, history):
    auth.login(manager)
    html = client.get(f"/reports/funnel?{Q1}").get_data(as_text=True)
    rows = {row[0]: row[1:] for row in rows_of(html, "funnel")}
    # Entered, moved on, won, drop-off, won of entered.
    # New: A B C D H (E entered last year, F is in the trash); D has not moved on.
    assert rows["New"] == ["5", "4", "2", "20%", "40%"]
    # Qualification: A, C, H, and B once although it entered twice; H (won then reopened
    # into Qualification) has not moved on since, and is not won now.
    assert rows["Qualification"] == ["4", "3", "2", "25%", "50%"]
    # Demo: A (won) and B once; B went back to Qualification then lost: it did not move on.
    assert rows["Demo scheduled"] == ["2", "1", "1", "50%", "50%"]
    assert rows["Awaiting commitment"][:3] == ["0", "0", "0"]
    assert "—" in rows["Awaiting commitment"][3]  # no drop-off of nothing
    # Negotiation: C, reopened there, then won again: counted once.
    assert rows["Negotiation"] == ["1", "1", "1", "0%", "100%"]
    assert "Won" not in rows and "Lost" not in rows
    footer = html.split('data-table="funnel"', 1)[1].split("<tfoot>", 1)[1].split("</tfoot>")[0]
    assert "Any stage" in footer and ">5<" in footer and ">40%<" in footer
    assert "Overall conversion" in html and "Moved on: it later entered" in html
    assert "<svg" in html and "Deals that entered each stage, and moved on" in html


def test_funnel_of_an_empty_period(client, auth, manager, history):
    auth.login(manager)
    html = client.get("/reports/funnel?period=custom&from=2025-06-01&to=2025-06-30")
    text = html.get_data(as_text=True)
    assert "No deal entered a stage of this pipeline in this period." in text
    assert rows_of(text, "funnel") == [["No deal entered a stage of this pipeline in this period."]]


def test_funnel_counts_entries_in_the_period_only(client, auth, manager, history):
    auth.login(manager)
    # March: D entered New, C's last Won is not an open stage: only New has a deal.
    rows = table(client, "funnel", "period=custom&from=2026-03-01&to=2026-03-31", "funnel")
    assert rows["New"] == ["1", "0", "0", "100%", "0%"]
    assert rows["Qualification"][0] == "0" and rows["Negotiation"][0] == "0"


def test_funnel_owner_filter(client, auth, manager, history, pipeline, create_opportunity):
    mine = create_opportunity(name="Mine", owner=manager, user=manager)
    set_history(mine, [(pipeline.stages[0], day(2, 1))])
    auth.login(manager)
    rows = table(client, "funnel", f"{Q1}&owner=me", "funnel")
    assert rows["New"][:3] == ["1", "0", "0"] and rows["Qualification"][0] == "0"


def test_csv_of_the_funnel(client, auth, manager, history):
    auth.login(manager)
    response = client.get(f"/reports/funnel/funnel.csv?{Q1}")
    assert response.status_code == 200
    assert "funnel-funnel-20260101-20260331.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Stage", "Entered", "Moved on", "Won", "Drop-off", "Won of entered"]
    assert rows[1] == ["New", "5", "4", "2", "20.0", "40.0"]
    assert rows[3] == ["Demo scheduled", "2", "1", "1", "50.0", "50.0"]
    assert rows[-1] == ["Any stage", "5", "", "2", "", "40.0"]


# Time in stage


def test_time_in_stage_against_hand_computed_figures(client, auth, manager, history):
    auth.login(manager)
    html = client.get(f"/reports/time-in-stage?{Q1}").get_data(as_text=True)
    rows = {row[0]: row[1:] for row in rows_of(html, "stages")}
    # Visits ended, median, mean, rotting days, now in stage, bottleneck.
    # New: A 10, B 2, C 2, H 8 (E's left last year, D's goes on): median 5, mean 5.5.
    assert rows["New"][:5] == ["4", "5.0", "5.5", "14", "1"]
    # Qualification: A 4, B 6 and 8 (two visits), C 20, E 14 (entered last year, left on
    # 3 January): median 8, mean 10.4; H is in it now.
    assert rows["Qualification"][:5] == ["5", "8.0", "10.4", "21", "1"]
    # Demo: A 30, B 2 and 25: median 25 is over its 21 rotting days.
    assert rows["Demo scheduled"] == ["3", "25.0", "19.0", "21", "0", "Median over rotting days"]
    assert rows["Awaiting commitment"][:3] == ["0", NONE, NONE]
    # Negotiation: C's 30 days after reopening: the slowest, not over its 30 rotting days.
    assert rows["Negotiation"] == ["1", "30.0", "30.0", "30", "0", "Slowest"]
    highlighted = [
        chunk.split("<td", 2)[1].split(">", 1)[1].split("</td>")[0].strip()
        for chunk in html.split('data-table="stages"', 1)[1].split("</tbody>")[0].split("<tr")
        if 'class="table-warning"' in chunk
    ]
    assert highlighted == ["Demo scheduled", "Negotiation"]
    assert "Median and mean days in each stage" in html and "Rotting days" in html


def test_deals_stuck_now_link_to_them(client, auth, manager, history, sales_user):
    auth.login(manager)
    html = client.get(f"/reports/time-in-stage?{Q1}").get_data(as_text=True)
    rows = rows_of(html, "stuck")
    deal_d, deal_h = history["D"], history["H"]
    assert [r[0] for r in rows] == ["New", "Qualification"]
    assert rows[0][1] == f'<a href="/opportunities/{deal_d.id}">Deal D</a>'
    assert rows[0][2] == sales_user.name
    days = (utcnow() - day(3, 1)).total_seconds() / 86400
    assert float(rows[0][4]) == pytest.approx(days, abs=0.1)
    assert rows[1][1] == f'<a href="/opportunities/{deal_h.id}">Deal H</a>'


def test_the_five_longest_per_stage_and_the_count_of_all(
    client, auth, manager, pipeline, create_opportunity
):
    new, qualification = pipeline.stages[:2]
    now = utcnow()
    for n in range(7):
        deal = create_opportunity(name=f"New {n}")
        set_history(deal, [(new, now - timedelta(days=10 * n + 1))])
    deal = create_opportunity(name="Qualified", stage_id=qualification.id)
    set_history(deal, [(qualification, now - timedelta(days=3))])
    auth.login(manager)
    html = client.get("/reports/time-in-stage").get_data(as_text=True)
    stuck = rows_of(html, "stuck")
    assert [r[1].split(">")[1].split("<")[0] for r in stuck] == [
        "New 6", "New 5", "New 4", "New 3", "New 2", "Qualified"
    ]  # fmt: skip
    assert [r[4] for r in stuck] == ["61.0", "51.0", "41.0", "31.0", "21.0", "3.0"]
    rows = {row[0]: row[1:] for row in rows_of(html, "stages")}
    assert rows["New"][4] == "7" and rows["Qualification"][4] == "1"


def test_time_in_stage_owner_filter_and_trash(
    client, auth, manager, history, pipeline, sales_user, create_opportunity
):
    mine = create_opportunity(name="Mine", owner=manager, user=manager)
    move_stage(manager, mine, pipeline.stages[1].id)
    set_history(mine, [(pipeline.stages[0], day(2, 1)), (pipeline.stages[1], day(2, 4))])
    auth.login(manager)
    # Only the manager's deal: one visit of New, 3 days.
    rows = table(client, "time-in-stage", f"{Q1}&owner=me", "stages")
    assert rows["New"][:3] == ["1", "3.0", "3.0"] and rows["Qualification"][0] == "0"
    # Everyone's: A 10, B 2, C 2, H 8 and Mine 3; then Mine in the trash leaves them again.
    assert table(client, "time-in-stage", Q1, "stages")["New"][:3] == ["5", "3.0", "5.0"]
    delete_opportunity(manager, mine)
    assert table(client, "time-in-stage", Q1, "stages")["New"][:3] == ["4", "5.0", "5.5"]
    assert "New" not in table(client, "time-in-stage", f"{Q1}&owner=me", "stages")  # empty


def test_time_in_stage_of_an_empty_period(client, auth, manager, history):
    auth.login(manager)
    rows = table(client, "time-in-stage", "period=custom&from=2025-06-01&to=2025-06-30", "stages")
    assert rows["New"][:2] == ["0", NONE]
    assert rows["New"][4] == "1"  # D is in New now, whatever the period
    assert "Slowest" not in str(rows)


def test_time_in_stage_csv(client, auth, manager, history):
    auth.login(manager)
    text = client.get(f"/reports/time-in-stage/stages.csv?{Q1}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Stage", "Visits ended", "Median days", "Mean days", "Rotting days", "Now in stage",
        "Bottleneck",
    ]  # fmt: skip
    assert rows[1] == ["New", "4", "5.0", "5.5", "14", "1", ""]
    assert rows[5] == ["Negotiation", "1", "30.0", "30.0", "30", "0", "Slowest"]
    # All visits: 4 + 5 + 3 + 1 = 13, (22 + 52 + 57 + 30) / 13 = 12.38 days on average.
    assert rows[-1] == ["All stages", "13", "", "12.4", "", "2", ""]
    stuck = client.get(f"/reports/time-in-stage/stuck.csv?{Q1}").get_data(as_text=True)
    assert "New,Deal D,Sam Sales," in stuck


# Both


@pytest.mark.parametrize("key", ["funnel", "time-in-stage"])
def test_another_business_line_is_invisible(client, auth, history, pipeline, key):
    other_line = factories.business_line("Hardware")
    factories.pipeline(other_line)
    outsider = factories.user(
        email="out@example.com", name="Out Sider", role="manager", business_lines=[other_line]
    )
    auth.login(outsider)
    html = client.get(f"/reports/{key}?{Q1}&pipeline={pipeline.id}").get_data(as_text=True)
    assert "Deal D" not in html and "Deal H" not in html
    rows = rows_of(html, "funnel" if key == "funnel" else "stages")
    assert len(rows) == 1 and len(rows[0]) == 1  # the empty table's message


@pytest.mark.parametrize("key", ["funnel", "time-in-stage"])
def test_report_queries_do_not_grow_with_deals(
    client, auth, manager, pipeline, create_opportunity, sales_user, count_queries, key
):
    auth.login(manager)
    create_opportunity(name="one")
    with count_queries() as few:
        client.get(f"/reports/{key}")
    for n in range(12):
        deal = create_opportunity(name=f"more {n}")
        move_stage(sales_user, deal, pipeline.stages[1 + n % 4].id)
    with count_queries() as many:
        client.get(f"/reports/{key}")
    assert len(many) == len(few)


@pytest.mark.parametrize("key", ["funnel", "time-in-stage"])
def test_on_the_dashboard_with_a_summary_card(client, auth, manager, history, key):
    auth.login(manager)
    dashboard = client.get("/reports/").get_data(as_text=True)
    assert f'href="/reports/{key}?' in dashboard
    assert f'hx-get="/reports/{key}/summary?' in dashboard
    card = client.get(f"/reports/{key}/summary?{Q1}").get_data(as_text=True)
    assert "<svg" in card and ("Deals in the funnel" in card or "Stage visits ended" in card)


def test_a_period_ending_on_the_last_day_of_the_calendar(client, auth, manager, history):
    auth.login(manager)
    query = "period=custom&from=2026-03-01&to=9999-12-31"
    assert table(client, "funnel", query, "funnel")["New"][:3] == ["1", "0", "0"]  # D
    assert table(client, "time-in-stage", query, "stages")["Negotiation"][:2] == ["1", "30.0"]


# The funnel against a straightforward computation of its definitions


def _expected_funnel(deals: dict, stages: list, start: datetime, end: datetime) -> dict:
    """stage name -> (entered, moved on, won), deal by deal, as the definitions read: the
    first entry into the stage in [start, end); moved on if the deal entered a stage further
    along (an open one later in the pipeline, or won) at or after that entry."""
    open_stages = [s for s in stages if s.kind == "open"]
    reach = {s.id: i for i, s in enumerate(open_stages)}
    reach |= {s.id: len(open_stages) for s in stages if s.kind == "won"}
    found = {}
    for stage in open_stages:
        entered = moved = won = 0
        for status, visits in deals.values():
            firsts = [t for s, t in visits if s.id == stage.id and start <= t < end]
            if not firsts:
                continue
            first = min(firsts)
            entered += 1
            moved += any(reach.get(s.id, -1) > reach[stage.id] and t >= first for s, t in visits)
            won += status == "won"
        found[stage.name] = (entered, moved, won)
    return found


def test_funnel_matches_its_definitions_on_random_histories(
    client, auth, manager, pipeline, create_opportunity
):
    import random

    rng = random.Random(13)
    stages = list(pipeline.stages)
    kinds = {s.kind for s in stages}
    assert kinds == {"open", "won", "lost"}
    deals = {}
    for n in range(40):
        deal = create_opportunity(name=f"Random {n}")
        db.session.execute(
            StageHistory.__table__.delete().where(StageHistory.opportunity_id == deal.id)
        )
        when = day(12, 1, 2025) + timedelta(hours=rng.randint(0, 24 * 40))
        visits = []
        for _ in range(rng.randint(1, 7)):  # forwards, backwards, won, lost, reopened
            visits.append((rng.choice(stages), when))
            when += timedelta(hours=rng.choice((0, 0, 5, 30, 24 * 9, 24 * 20)))  # ties too
        for (stage, entered), following in zip(visits, [*visits[1:], None], strict=True):
            db.session.add(
                StageHistory(
                    opportunity_id=deal.id,
                    stage_id=stage.id,
                    entered_at=entered,
                    left_at=following[1] if following else None,
                )
            )
        last = visits[-1][0]
        deal.stage_id, deal.status = last.id, last.kind
        deal.closed_at = visits[-1][1] if last.kind != "open" else None
        deals[deal.id] = (last.kind, visits)
    funnel_days.rebuild()  # the history was written here, not by the services
    db.session.commit()
    auth.login(manager)
    for first, last in (("2026-01-01", "2026-03-31"), ("2026-01-10", "2026-01-20"),
                        ("2025-12-01", "2026-12-31")):  # fmt: skip
        start = datetime.fromisoformat(first)
        end = datetime.fromisoformat(last) + timedelta(days=1)
        expected = _expected_funnel(deals, stages, start, end)
        rows = table(client, "funnel", f"period=custom&from={first}&to={last}", "funnel")
        if not any(entered for entered, _, _ in expected.values()):
            continue
        got = {name: tuple(int(cell) for cell in row[:3]) for name, row in rows.items()}
        assert got == expected, (first, last)
