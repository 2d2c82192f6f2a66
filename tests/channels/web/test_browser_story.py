"""The whole story in a real browser (Debian's headless chromium, driven by Playwright):

a shop page embeds the widget with its one line; the visitor asks a FAQ and reads the answer,
asks for a human; an agent in a second browser accepts in /console; both see each other's
messages live; the visitor reloads and sees the history once; the agent closes; the visitor
taps 4 stars and `stats` counts the rating. Screenshots of both sides are saved as artifacts
(test-artifacts/, or $TEST_ARTIFACTS), and the agent-reply-to-visitor-screen time is reported.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.config import load_settings
from tests.conftest import write_project

CHROMIUM = "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
                                reason="Debian's chromium is not installed (scripts/test-setup.sh installs it)")
REPLIES = ("您好，我是王小明，请问订单号是多少？", *(f"正在为您查询，第 {i} 步完成。" for i in range(1, 20)))
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts"))


@pytest.fixture
async def bot_server(tmp_path: Path) -> AsyncIterator[TestServer]:
    config = write_project(tmp_path, {
        "channels": {"web": {"enabled": True, "domain": "localhost", "widget_id": "widget_123",
                             "name": "小店客服", "greeting": "您好，我是小店的在线客服，请问有什么可以帮您？"}},
        "agents": {"online_hours": "00:00-23:59"},
    })
    server = TestServer(create_app(load_settings(config, env={})), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def shop(bot_server: TestServer) -> AsyncIterator[str]:
    """The customer's site on another origin (localhost vs 127.0.0.1), with the one-line embed."""
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>小店</title></head>
<body><h1>小店 · 春季上新</h1><p>全场包邮。</p>
<script src="http://127.0.0.1:{bot_server.port}/widget.js" data-widget-id="widget_123" async></script>
</body></html>"""
    async def home(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", home)
    server = TestServer(app, host="localhost")
    await server.start_server()
    yield f"http://localhost:{server.port}/"
    await server.close()


async def texts(page: Any, role: str) -> list[str]:
    return await page.locator(f'[data-testid="bot-message"][data-role="{role}"]').all_inner_texts()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


async def test_visitor_and_agent_in_real_browsers(bot_server: TestServer, shop: str, artifacts: Path) -> None:
    services = bot_server.app[SERVICES]
    _, agent_token = await services.agents.add("wang", "王小明")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            visitor_ctx = await browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 760})
            agent_ctx = await browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
            visitor = await visitor_ctx.new_page()
            await visitor.goto(shop)
            await visitor.get_by_test_id("bot-launcher").click()
            panel = visitor.get_by_test_id("bot-panel")
            await panel.wait_for(state="visible")
            await visitor.get_by_test_id("bot-input").fill("怎么退款")
            await visitor.get_by_test_id("bot-send").click()
            answer = visitor.locator('[data-testid="bot-message"][data-role="bot"]', has_text="在订单页点击申请退款")
            await answer.wait_for(timeout=15_000)

            await visitor.get_by_test_id("bot-input").fill("转人工")
            await visitor.get_by_test_id("bot-input").press("Enter")
            await visitor.locator('[data-testid="bot-message"]', has_text="排在第").first.wait_for(timeout=15_000)

            # the agent signs in to the console and accepts the waiting chat
            console = await agent_ctx.new_page()
            await console.goto(f"http://127.0.0.1:{bot_server.port}/console")
            await console.get_by_test_id("console-token").fill(agent_token)
            await console.get_by_test_id("console-login").click()
            item = console.get_by_test_id("console-queue-item").first
            await item.wait_for(timeout=15_000)
            await item.get_by_test_id("console-accept").click()
            await visitor.locator('[data-testid="bot-message"]', has_text="王小明").first.wait_for(timeout=15_000)

            # both sides see each other live; each agent reply is timed from Send to the visitor's screen
            timings = []
            for n, line in enumerate(REPLIES, 1):
                await console.get_by_test_id("console-reply").fill(line)
                sent_at = time.perf_counter()
                await console.get_by_test_id("console-send").click()
                await visitor.locator('[data-testid="bot-message"][data-role="agent"]').nth(n - 1).wait_for(
                    timeout=15_000)
                timings.append((time.perf_counter() - sent_at) * 1000)
            # (the agent's name heads the first bubble of a run)
            assert [t.splitlines()[-1] for t in await texts(visitor, "agent")] == list(REPLIES)
            timings.sort()
            print(f"agent reply to visitor screen over {len(timings)} replies: p50 {timings[len(timings) // 2]:.0f} ms,"
                  f" max (p99) {timings[-1]:.0f} ms")
            await visitor.get_by_test_id("bot-input").fill("订单号 2024120112345，想退货")
            await visitor.get_by_test_id("bot-send").click()
            await console.locator('[data-testid="console-message"]', has_text="2024120112345").wait_for(
                timeout=15_000)
            assert await visitor.get_by_test_id("bot-leave-message").is_hidden()  # an agent is serving
            await visitor.screenshot(path=str(artifacts / "widget.png"))
            await console.screenshot(path=str(artifacts / "console.png"))

            # a reload shows the history exactly once
            before = await texts(visitor, "customer") + await texts(visitor, "agent")
            await visitor.reload()
            await visitor.wait_for_function("() => window.CsBotWidget && window.CsBotWidget.open")
            await visitor.evaluate("() => window.CsBotWidget.open()")  # (it stays open per tab anyway)
            await visitor.locator('[data-testid="bot-message"][data-role="agent"]').first.wait_for(timeout=15_000)
            await visitor.wait_for_timeout(500)  # let the replay finish
            after = await texts(visitor, "customer") + await texts(visitor, "agent")
            assert sorted(after) == sorted(before)
            assert len(await texts(visitor, "agent")) == len(REPLIES)

            # the agent closes; the visitor taps 4 stars
            await console.get_by_test_id("console-close").click()
            star = visitor.get_by_test_id("bot-star-4")
            await star.wait_for(timeout=15_000)
            await star.click()
            await visitor.get_by_test_id("bot-messages").get_by_text("感谢").first.wait_for(timeout=15_000)
            conv = await services.store.conversations.latest_for(await _customer(services), "web")
            assert conv is not None
            ratings: list[Any] = []
            deadline = time.monotonic() + 10
            while not ratings and time.monotonic() < deadline:
                ratings = await services.store.ratings.for_conversation(conv.id)
                await visitor.wait_for_timeout(100)
            assert [r.score for r in ratings] == [4] and ratings[0].agent_id == "wang"
            report = await services.reports.stats(period="1d")  # what `stats` prints
            assert report.csat.count == 1 and report.csat.distribution[3] == 1
        finally:
            await browser.close()


async def _customer(services: Any) -> str:
    rows = await services.store.db.fetchall("SELECT customer_id FROM conversations WHERE channel = 'web'")
    (row,) = rows
    return str(row["customer_id"])
