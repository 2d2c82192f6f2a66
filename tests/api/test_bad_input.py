"""Bad input gets a 4xx naming the field, never a 500, and nothing is written."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import auth


async def conversations_count(client: TestClient) -> int:
    from bot.api.keys import SERVICES

    db = client.server.app[SERVICES].store.db
    row = await db.fetchone("SELECT COUNT(*) AS n FROM messages")
    return row["n"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_id": "a", "message": "hi"}, "channel"),
        ({"channel": "api", "message": "hi"}, "customer_id"),
        ({"channel": "api", "customer_id": "a"}, "message"),
        ({"channel": "api", "customer_id": "a", "message": ""}, "message"),
        ({"channel": "api", "customer_id": "a", "message": "   \n "}, "message"),
        ({"channel": "api", "customer_id": "a", "message": "x" * 4001}, "message"),
        ({"channel": "api", "customer_id": "a", "message": 42}, "message"),
        ({"channel": "api", "customer_id": "a", "message": "hi", "extra": 1}, "extra"),
        ({"channel": "carrier-pigeon", "customer_id": "a", "message": "hi"}, "channel"),
        # GET /api/customers/{id} refuses such ids: a conversation must not be stored under one.
        ({"channel": "api", "customer_id": "a\x00b", "message": "hi"}, "customer_id"),
        ({"channel": "api", "customer_id": "a\x07", "message": "hi"}, "customer_id"),
        ({"channel": "api", "customer_id": "a\nb", "message": "hi"}, "customer_id"),
        ({"channel": "api", "customer_id": "a\u200bb", "message": "hi"}, "customer_id"),
        ({"channel": "api", "customer_id": " a", "message": "hi"}, "customer_id"),  # ids are never trimmed
    ],
)
async def test_invalid_fields_are_named(client: TestClient, body: dict, field: str) -> None:
    resp = await client.post("/api/message", json=body, headers=auth())
    assert resp.status == 400
    err = await resp.json()
    assert err["field"] == field and field in err["message"]
    assert await conversations_count(client) == 0


async def test_message_of_exactly_4000_characters_is_accepted(client: TestClient) -> None:
    resp = await client.post(
        "/api/message", json={"channel": "api", "customer_id": "a", "message": "退" * 4000}, headers=auth()
    )
    assert resp.status == 200


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"channel": "api", "customer_id": "a", "message": "\xff\xfe"}', "invalid_encoding"),
        (b'{"channel": "api", "customer_id": "a", "message": ', "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b"", "invalid_json"),
    ],
)
async def test_malformed_bodies(client: TestClient, raw: bytes, code: str) -> None:
    resp = await client.post(
        "/api/message", data=raw, headers={**auth(), "Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == code
    assert await conversations_count(client) == 0


async def test_huge_body_is_413(client: TestClient) -> None:
    headers = {**auth(), "Content-Type": "application/json"}
    resp = await client.post("/api/message", data=b"x" * 200_000, headers=headers)
    assert resp.status == 413


@pytest.mark.parametrize("headers", [{}, auth("wrong-token"), {"Authorization": "Basic abc"}])
async def test_wrong_or_missing_token_is_401(client: TestClient, headers: dict) -> None:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": "a", "message": "hi"},
                             headers=headers)
    assert resp.status == 401
    assert (await resp.json())["error"] == "unauthorized"
    assert await conversations_count(client) == 0


@pytest.mark.parametrize("limit", ["0", "-1", "-99999999999999999999", "x"])
async def test_transcript_limit_must_be_positive(client: TestClient, limit: str) -> None:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": "a", "message": "hi"},
                             headers=auth())
    conv = (await resp.json())["conversation_id"]
    resp = await client.get(f"/api/conversations/{conv}/messages?limit={limit}", headers=auth())
    assert resp.status == 400 and (await resp.json())["field"] == "limit"


async def test_kb_search_validates_query(client: TestClient) -> None:
    assert (await client.get("/api/kb/search", headers=auth())).status == 400
    assert (await client.get("/api/kb/search?q=退款&top_k=abc", headers=auth())).status == 400
    assert (await client.get("/api/kb/search?q=退款&top_k=0", headers=auth())).status == 400


async def test_unknown_route_is_json_404(client: TestClient) -> None:
    resp = await client.get("/api/nothing-here", headers=auth())
    assert resp.status == 404
    assert (await resp.json())["error"] == "not_found"
