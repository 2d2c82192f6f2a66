"""The agent console under privacy.mask_for_agents, in a real browser (Debian's headless chromium,
driven by Playwright): the transcript and the customer card show the phone number masked; the
agent taps Reveal and reads it in full, and the audit trail names the agent and the field."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.config import load_settings
from bot.customers.service import CustomerUpdate
from tests.conftest import ADMIN_TOKEN, write_project

CHROMIUM = "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
                                reason="Debian's chromium is not installed (scripts/test-setup.sh installs it)")
PHONE = "13812345678"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    config = write_project(tmp_path, {"agents": {"online_hours": "00:00-23:59"}})
    srv = TestServer(create_app(load_settings(config, env={})), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_the_agent_reveals_a_masked_phone_on_purpose(server: TestServer) -> None:
    services = server.app[SERVICES]
    _, token = await services.agents.add("wang", "王小明")
    await services.customers.upsert("c-77", CustomerUpdate(name="Ann", phone=PHONE))

    async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as http:
        for text in (f"请打我电话 {PHONE}", "转人工"):
            resp = await http.post("/api/message", json={"channel": "api", "customer_id": "c-77", "message": text})
            assert resp.status == 200
        async with playwright_api.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = await (await browser.new_context(locale="zh-CN")).new_page()
                await page.goto(f"http://127.0.0.1:{server.port}/console")
                await page.get_by_test_id("console-token").fill(token)
                await page.get_by_test_id("console-login").click()
                item = page.get_by_test_id("console-queue-item").first
                await item.wait_for(timeout=15_000)
                await item.get_by_test_id("console-accept").click()
                said = page.locator('[data-testid="console-message"]', has_text="请打我电话")
                await said.wait_for(timeout=15_000)
                assert "138****78" in await said.inner_text() and PHONE not in await page.content()
                reveal = page.get_by_test_id("console-reveal-phone")
                await reveal.wait_for(timeout=15_000)
                card = page.get_by_test_id("console-customer")
                assert "138****5678" in await card.inner_text()
                await reveal.click()
                await card.locator("dd", has_text=PHONE).wait_for(timeout=10_000)
            finally:
                await browser.close()
        trail = await (await http.get("/api/customers/c-77/audit")).json()
    assert [(e["kind"], e["actor"], e["detail"]["field"]) for e in trail["events"]] == [("revealed", "wang", "phone")]
