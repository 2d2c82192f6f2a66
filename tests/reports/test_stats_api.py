"""GET /api/stats, /api/stats/agents/{id}, /api/stats/satisfaction (admin token)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from tests.conftest import auth
from tests.reports.fixture import NOW, seed


@pytest.fixture
async def api(client: TestClient) -> TestClient:
    services = client.server.app[SERVICES]
    await seed(services.store.db)
    services.reports._now = lambda: NOW  # the fixture's fixed clock, as Reports(now=...) takes it
    return client


async def test_stats_returns_the_report(api: TestClient) -> None:
    resp = await api.get("/api/stats", params={"period": "7d"}, headers=auth())
    assert resp.status == 200
    body = await resp.json()
    expected = (await api.server.app[SERVICES].reports.stats("7d")).as_dict()
    assert body == expected
    assert body["volume"]["conversations"] == 7 and body["bot_containment"]["pct"] == 42.86
    assert set(body) == {
        "period",
        "start",
        "end",
        "volume",
        "first_response",
        "resolution_time",
        "handle_time",
        "resolution_rate",
        "bot_containment",
        "handoff_rate",
        "sla",
        "csat",
        "agents",
        "tickets_unassigned",
        "channels",
        "intents",
        "ticket_types",
        "daily",
    }
    # the default period is 7d
    assert await (await api.get("/api/stats", headers=auth())).json() == expected


@pytest.mark.parametrize("period", ["7", "week", "0d", "9999d", "7d;drop"])
async def test_bad_period_is_a_400_naming_period(api: TestClient, period: str) -> None:
    resp = await api.get("/api/stats", params={"period": period}, headers=auth())
    assert resp.status == 400
    body = await resp.json()
    assert body["field"] == "period" and body["message"].startswith("period: ")


async def test_stats_need_the_admin_token(api: TestClient) -> None:
    assert (await api.get("/api/stats")).status == 401
    assert (await api.get("/api/stats", headers=auth("wrong"))).status == 401
    assert (await api.get("/api/stats/satisfaction", headers=auth("wrong"))).status == 401


async def test_agent_stats(api: TestClient) -> None:
    resp = await api.get("/api/stats/agents/a1", params={"days": "7"}, headers=auth())
    assert resp.status == 200
    body = await resp.json()
    assert body["tickets_assigned"] == 3 and body["csat"]["average"] == 3.5
    missing = await api.get("/api/stats/agents/ghost", headers=auth())
    assert missing.status == 404 and (await missing.json())["id"] == "ghost"
    for days in ("0", "x", "3661", "1.5"):
        bad = await api.get("/api/stats/agents/a1", params={"days": days}, headers=auth())
        assert bad.status == 400 and (await bad.json())["field"] == "days"


async def test_satisfaction(api: TestClient) -> None:
    resp = await api.get("/api/stats/satisfaction", params={"days": "7"}, headers=auth())
    assert resp.status == 200
    body = await resp.json()
    assert body["csat"]["count"] == 6 and [r["score"] for r in body["low_ratings"]] == [2, 1]
    bad = await api.get("/api/stats/satisfaction", params={"days": "-3"}, headers=auth())
    assert bad.status == 400 and (await bad.json())["field"] == "days"
