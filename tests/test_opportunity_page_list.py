"""The list of deals at /opportunities: filters, visibility, paging, query count."""

from tests import factories
from webapp.extensions import db
from webapp.opportunities import services

HX = {"HX-Request": "true"}


def test_list_filters_and_search(
    client, auth, sales_user, manager, create_opportunity, lost_reason
):
    create_opportunity(name="Alpha rollout", account_name="Zeta Industries")
    create_opportunity(name="Beta pilot")
    theirs = create_opportunity(name="Gamma (manager's)", owner=manager, user=manager)
    lost = create_opportunity(name="Delta lost")
    services.close_lost(sales_user, lost, lost_reason.id)
    auth.login(sales_user)
    mine = client.get("/opportunities").text
    assert "Alpha rollout" in mine and "Beta pilot" in mine
    assert "Gamma" not in mine and "Delta lost" not in mine
    assert 'href="/opportunities"' in mine  # the navigation shows Deals
    everyone = client.get("/opportunities?owner=all").text
    assert theirs.name.replace("'", "&#39;") in everyone
    assert "Delta lost" in client.get("/opportunities?status=lost").text
    found = client.get("/opportunities?q=zeta&owner=all", headers=HX).text
    assert found.startswith('<div id="deal-list">')
    assert "Alpha rollout" in found and "Beta pilot" not in found and "1 deal<" in found
    assert "No deal matches “%_nothing”." in client.get("/opportunities?q=%25_nothing").text


def test_list_hides_other_business_lines(client, auth, create_opportunity):
    create_opportunity(name="Secret deal")
    stranger = factories.user(
        email="x@example.com", name="X", business_lines=[factories.business_line("Other")]
    )
    auth.login(stranger)
    assert "Secret deal" not in client.get("/opportunities?owner=all").text


def test_list_query_count_and_paging(client, auth, sales_user, create_opportunity, count_queries):
    auth.login(sales_user)

    def measure():
        db.session.expire_all()
        with count_queries() as queries:
            html = client.get("/opportunities").text
        return len(queries), html

    create_opportunity(name="Deal 0")
    few, _ = measure()
    for i in range(1, 60):
        create_opportunity(name=f"Deal {i}", account_name=f"Account {i}")
    many, html = measure()
    assert few == many, (few, many)
    assert html.count("data-deal=") == 50 and 'hx-get="/opportunities/totals?"' in html
    assert ">60 deals</div>" in client.get("/opportunities/totals").text
    last_id = html.split('data-deal="')[50].split('"')[0]
    second = client.get(f"/opportunities?after={last_id}").text
    assert second.count("data-deal=") == 10 and "Previous" in second
