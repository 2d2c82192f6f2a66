"""The seed's profile JSON through PUT /api/customers/{id}, verbatim; the history GET adds, paged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from bot.cli import main
from bot.csat.model import Rating
from tests.conftest import SEED_PROFILE, auth

# The seed's documented profile, exactly as an operator pastes it (text, not a dict).
SEED_PROFILE_JSON = json.dumps(SEED_PROFILE, ensure_ascii=False, indent=2)


async def put_raw(client: TestClient, customer_id: str, body: str) -> tuple[int, dict]:
    resp = await client.put(f"/api/customers/{customer_id}", data=body.encode(),
                            headers={**auth(), "Content-Type": "application/json"})
    return resp.status, await resp.json()


async def test_the_seed_profile_is_accepted_verbatim(client: TestClient) -> None:
    status, body = await put_raw(client, "C001", SEED_PROFILE_JSON)
    assert status == 201, body
    c = body["customer"]
    assert c["customer_id"] == c["id"] == "C001" and c["name"] == "张三"
    assert c["tags"] == ["VIP", "高价值客户"]  # the operator's spelling, not "vip"
    assert c["total_orders"] == 25 and c["total_spent"] == 15000.0 and c["last_purchase"] == "2024-01-15"
    # derived: computed from the tickets and ratings, the input's 3 and 4.5 ignored
    assert c["tickets_count"] == 0 and c["satisfaction_score"] is None
    status, again = await put_raw(client, "C001", SEED_PROFILE_JSON)
    assert status == 200 and again["created"] is False


async def test_derived_fields_follow_the_store(client: TestClient) -> None:
    await put_raw(client, "C001", SEED_PROFILE_JSON)
    s = client.server.app[SERVICES]
    conv = await s.store.conversations.create("C001", "web", "zh")
    resp = await client.post("/api/tickets", json={"customer_id": "C001", "title": "退款没到账"}, headers=auth())
    assert resp.status == 201
    await s.store.ratings.add(Rating(score=4, conversation_id=conv.id, customer_id="C001"))
    await s.store.ratings.add(Rating(score=1, conversation_id=conv.id, customer_id="C001"))
    status, body = await put_raw(client, "C001", SEED_PROFILE_JSON)
    assert status == 200 and body["customer"]["tickets_count"] == 1
    assert body["customer"]["satisfaction_score"] == 2.5


async def test_a_different_customer_id_is_400_naming_it(client: TestClient) -> None:
    status, body = await put_raw(client, "C002", SEED_PROFILE_JSON)
    assert status == 400 and body["field"] == "customer_id" and "C001" in body["message"]
    assert await client.server.app[SERVICES].customers.get("C002") is None  # nothing written


async def test_vip_spelled_either_way_matches_priority_tags(client: TestClient) -> None:
    from tests.api.test_handoffs_api import queued_conversation

    conv_id = await queued_conversation(client, "C009", tags=["VIP"])  # agents.priority_tags: [vip]
    handoff = await client.server.app[SERVICES].store.handoffs.open_for(conv_id)
    assert handoff is not None and handoff.priority == "high"


async def test_get_adds_the_history_paged(client: TestClient) -> None:
    await put_raw(client, "C001", SEED_PROFILE_JSON)
    for i in range(3):
        resp = await client.post("/api/message", json={"channel": "api", "customer_id": "C001",
                                                       "message": f"你好 {i}"}, headers=auth())
        assert resp.status == 200
        await client.post("/api/tickets", json={"customer_id": "C001", "title": f"问题 {i}"}, headers=auth())
    resp = await client.get("/api/customers/C001?page=1&page_size=2", headers=auth())
    body = await resp.json()
    assert resp.status == 200 and body["customer"]["tags"] == ["VIP", "高价值客户"]  # existing fields stay
    h = body["history"]
    assert h["page"] == 1 and h["page_size"] == 2 and h["totals"]["tickets"] == 3
    assert [t["title"] for t in h["tickets"]] == ["问题 2", "问题 1"]  # newest first
    assert len(h["conversations"]) == 1 and h["conversations"][0]["messages"] >= 2
    page2 = await (await client.get("/api/customers/C001?page=2&page_size=2", headers=auth())).json()
    assert [t["title"] for t in page2["history"]["tickets"]] == ["问题 0"]
    bad = await client.get("/api/customers/C001?page_size=0", headers=auth())
    assert bad.status == 400 and (await bad.json())["field"] == "page_size"


def test_cli_update_customer_takes_the_seed_profile_file(config_path: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(SEED_PROFILE_JSON, encoding="utf-8")
    assert main(["--config", str(config_path), "update_customer", "--file", str(profile), "--json"]) == 0
    c = json.loads(capsys.readouterr().out)["customer"]
    assert c["id"] == "C001" and c["tags"] == ["VIP", "高价值客户"] and c["tickets_count"] == 0
    assert main(["--config", str(config_path), "update_customer", "--customer_id", "C002",
                 "--file", str(profile)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --file: customer_id:") and "\n" not in err
