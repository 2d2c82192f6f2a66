from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import auth


async def test_health_needs_no_token(client: TestClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["faq_entries"] == 3


async def test_kb_search_returns_ranked_results(client: TestClient) -> None:
    resp = await client.get("/api/kb/search", params={"q": "退款怎么申请", "top_k": "2"}, headers=auth())
    body = await resp.json()
    assert resp.status == 200 and len(body["results"]) <= 2
    top = body["results"][0]
    assert top["id"] == "faq_001" and top["matched"] is True
    assert {"id", "question", "answer", "score"} <= set(top)
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


async def test_metrics_count_messages(client: TestClient) -> None:
    await client.post("/api/message", json={"channel": "api", "customer_id": "m", "message": "怎么退款"},
                      headers=auth())
    text = await (await client.get("/metrics")).text()
    assert 'bot_messages_total{channel="api",route="faq"} 1.0' in text
    assert "bot_turn_seconds_bucket" in text


async def test_openapi_lists_exactly_the_served_routes(client: TestClient) -> None:
    doc = await (await client.get("/api/openapi.json")).json()
    served = {
        (r.resource.canonical, r.method.lower())
        for r in client.server.app.router.routes()
        if r.method not in ("HEAD", "OPTIONS") and r.resource is not None
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert served == documented


async def test_openapi_channel_enum_is_the_enabled_channels(client: TestClient) -> None:
    from bot.api.keys import SERVICES

    async def documented() -> list[str]:
        doc = await (await client.get("/api/openapi.json")).json()
        return doc["components"]["schemas"]["Channel"]["enum"]

    assert await documented() == ["api", "app", "web"]  # the settings' defaults
    await client.server.app[SERVICES].store.channels.add("kiosk", "api", {})
    assert await documented() == ["api", "app", "kiosk", "web"]
    resp = await client.post("/api/message", json={"channel": "kiosk", "customer_id": "k", "message": "hi"},
                             headers=auth())
    assert resp.status == 200
