"""Operators edit the knowledge base of a running service: over HTTP, from the CLI (another
process writing the same store), and through the shipped FAQ file, without a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.app import build_services
from bot.config import Settings
from bot.kb.faq import FaqEntry
from bot.kb.faq_sync import open_knowledge_base
from tests.conftest import auth

WARRANTY = {"id": "warranty", "question": "产品保修多久？", "answer": "所有商品保修一年。", "category": "售后"}


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings, background=True))) as c:
        yield c


async def ask(client: TestClient, text: str, customer: str) -> dict[str, Any]:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer, "message": text},
                             headers=auth())
    assert resp.status == 200
    return await resp.json()


async def test_create_replace_delete_over_http_reach_the_next_turn(live: TestClient) -> None:
    resp = await live.post("/api/kb/faqs", json=WARRANTY, headers=auth())
    assert resp.status == 201
    body = await ask(live, "产品保修多久", "c1")
    assert body["route"] == "faq" and body["replies"][0]["text"] == "所有商品保修一年。"
    again = await live.post("/api/kb/faqs", json=WARRANTY, headers=auth())
    assert again.status == 409

    resp = await live.put("/api/kb/faqs/warranty", json={**WARRANTY, "answer": "保修两年。"}, headers=auth())
    assert resp.status == 200 and (await resp.json())["created"] is False
    assert (await ask(live, "产品保修多久", "c2"))["replies"][0]["text"] == "保修两年。"

    assert (await live.delete("/api/kb/faqs/warranty", headers=auth())).status == 200
    assert (await live.get("/api/kb/faqs/warranty", headers=auth())).status == 404
    gone = await ask(live, "产品保修多久", "c3")
    assert (gone.get("faq") or {}).get("id") != "warranty"


async def test_bad_edits_name_the_field_and_write_nothing(live: TestClient) -> None:
    resp = await live.post("/api/kb/faqs", json={"id": "x1", "answer": "a"}, headers=auth())
    body = await resp.json()
    assert resp.status == 400 and "question" in json.dumps(body, ensure_ascii=False), body
    resp = await live.put("/api/kb/faqs/x2", json={"id": "other", "question": "q", "answer": "a"}, headers=auth())
    assert resp.status == 400
    resp = await live.post("/api/kb/faqs", data="question=q", headers={**auth(), "Content-Type": "text/plain"})
    assert resp.status == 415
    assert (await live.post("/api/kb/faqs", json=WARRANTY)).status == 401  # no token
    assert (await live.get("/api/kb/faqs/x1", headers=auth())).status == 404


async def test_import_a_file_upload(live: TestClient, tmp_path: Path) -> None:
    form = aiohttp.FormData()
    rows = {"faq": [WARRANTY, {"id": "bad", "question": "", "answer": "x"}]}
    form.add_field("file", json.dumps(rows, ensure_ascii=False).encode(), filename="more.json",
                   content_type="application/json")
    resp = await live.post("/api/kb/import", data=form, headers=auth())
    body = await resp.json()
    assert resp.status == 200 and body["added"] == 1 and [r["row"] for r in body["rejected"]] == [2]
    assert (await ask(live, "产品保修多久", "c4"))["route"] == "faq"

    form = aiohttp.FormData()
    form.add_field("file", b"question,answer\n", filename="faq.txt", content_type="text/plain")
    resp = await live.post("/api/kb/import", data=form, headers=auth())
    assert resp.status == 415


async def test_a_cli_edit_reaches_the_running_service_within_a_second(live: TestClient, settings: Settings) -> None:
    # What `add_faq` does: its own process opens the store and the KB and writes.
    async with open_knowledge_base(settings, sync_faqs=False) as kb:
        await kb.upsert([FaqEntry.model_validate(WARRANTY)])
    for _ in range(30):
        resp = await live.get("/api/kb/search", params={"q": "产品保修多久"}, headers=auth())
        results = (await resp.json())["results"]
        if results and results[0]["id"] == "warranty":
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the running service did not see the CLI's FAQ within 3 s")
    assert results[0]["matched"]


async def test_editing_a_shipped_faq_survives_a_restart(settings: Settings) -> None:
    async with build_services(settings) as s:
        shipped = s.knowledge_base.get("faq_001")
        assert shipped is not None
        await s.knowledge_base.upsert([shipped.model_copy(update={"answers": {"zh": "运营改过的答案"}})])
    async with build_services(settings) as s:  # the file did not change: the edit stays
        assert s.knowledge_base.get("faq_001").answer_for("zh") == "运营改过的答案"  # type: ignore[union-attr]
    path = settings.path(settings.knowledge_base.faq_file)  # type: ignore[arg-type]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["faq"][0].pop("answers", None)
    data["faq"][0]["answer"] = "文件里的新答案"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    async with build_services(settings) as s:  # the file changed: it is synced again
        assert s.knowledge_base.get("faq_001").answer_for("zh") == "文件里的新答案"  # type: ignore[union-attr]
