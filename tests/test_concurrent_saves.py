"""Two people save the same deal at the same moment with the same version, through a real
HTTP server: each round exactly one wins (2xx) and the other gets the conflict (409), never a
500, on SQLite and PostgreSQL."""

import threading

import httpx
import pytest

from tests.conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Opportunity

ROUNDS = int(__import__("os").environ.get("ROUNDS", 100))


def signed_in(server, user) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def race(clients, requests) -> list[int]:
    """Send one request per client at the same moment; their status codes."""
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def run(i):
        barrier.wait()
        path, data = requests[i]
        statuses[i] = clients[i].post(path, data=data, headers={"HX-Request": "true"}).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def stored(opp_id: int) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp_id)


@pytest.fixture
def two_people(live_server, sales_user, manager):
    clients = [signed_in(live_server, sales_user), signed_in(live_server, manager)]
    yield clients
    for client in clients:
        client.close()


def test_simultaneous_stage_moves(two_people, pipeline, create_opportunity):
    opp = create_opportunity(name="Contested move")
    stages = [s for s in pipeline.stages if s.kind == "open"]
    path = f"/opportunities/{opp.id}/stage"
    for round_ in range(ROUNDS):
        current = stored(opp.id)
        version = current.version
        others = [s for s in stages if s.id != current.stage_id]
        targets = (others[round_ % len(others)], others[(round_ + 1) % len(others)])
        data = [{"stage_id": str(t.id), "version": str(version)} for t in targets]
        statuses = race(two_people, [(path, data[0]), (path, data[1])])
        assert sorted(statuses) == [200, 409], f"round {round_}: {statuses}"
        after = stored(opp.id)
        winner = targets[statuses.index(200)]
        assert after.stage_id == winner.id and after.version == version + 1


def test_simultaneous_inline_edits(two_people, create_opportunity):
    opp = create_opportunity(name="Contested amount")
    path = f"/opportunities/{opp.id}/fields/amount"
    for round_ in range(ROUNDS):
        version = stored(opp.id).version
        amounts = (str(7000 + round_), str(9000 + round_))  # both differ from the stored one
        data = [{"amount": a, "version": str(version)} for a in amounts]
        statuses = race(two_people, [(path, data[0]), (path, data[1])])
        assert sorted(statuses) == [200, 409], f"round {round_}: {statuses}"
        after = stored(opp.id)
        assert str(after.amount) == f"{amounts[statuses.index(200)]}.00"
        assert after.version == version + 1
