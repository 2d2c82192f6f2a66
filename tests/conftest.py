"""Shared fixtures: a temporary project (config + data dir), the store, the live services and app."""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp.web_app
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.store import Store
from bot.store.sqlite.database import Database
from bot.store.sqlite.store import sqlite_store
from tests.fakes import FakeOrderHook

pytest_plugins = ["tests.openai_fake.fixture"]  # the `openai_server` fixture (a local OpenAI fake)

ADMIN_TOKEN = "test-admin-token-0123456789"

SAMPLE_FAQS = [
    {
        "id": "faq_001",
        "question": "如何申请退款？",
        "similar_questions": ["怎么退款", "退款流程是什么", "How do I get a refund?"],
        "answers": {"zh": "在订单页点击申请退款。", "en": "Open the order and tap Refund."},
        "category": "售后",
        "tags": ["退款"],
    },
    {
        "id": "faq_002",
        "question": "多久可以发货？",
        "similar_questions": ["什么时候发货", "下单后几天发货"],
        "answer": "付款后 48 小时内发货。",
        "category": "物流",
        "tags": ["发货"],
    },
    {
        "id": "faq_003",
        "question": "怎么开发票？",
        "similar_questions": ["可以开发票吗", "如何申请发票"],
        "answer": "在订单详情页点击申请发票。",
        "category": "发票",
    },
]


# The seed's profile (its documented fields: customer_id, name, email, phone, tags, total_orders,
# total_spent, last_purchase, tickets_count, satisfaction_score), as an operator pastes it.
SEED_PROFILE = {
    "customer_id": "C001",
    "name": "张三",
    "email": "zhangsan@example.com",
    "phone": "13800138000",
    "tags": ["VIP", "高价值客户"],
    "total_orders": 25,
    "total_spent": 15000.00,
    "last_purchase": "2024-01-15",
    "tickets_count": 3,
    "satisfaction_score": 4.5,
}


def write_project(
    root: Path, overrides: dict[str, Any] | None = None, faqs: list[dict[str, Any]] | None = None
) -> Path:
    """A project folder with config/service.yaml and knowledge/faq.json; returns the config path."""
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "knowledge").mkdir(exist_ok=True)
    (root / "knowledge" / "faq.json").write_text(
        json.dumps({"faq": SAMPLE_FAQS if faqs is None else faqs}, ensure_ascii=False), encoding="utf-8"
    )
    models = Path(__file__).resolve().parents[1] / "knowledge" / "models"
    if models.is_dir() and not (root / "knowledge" / "models").exists():
        (root / "knowledge" / "models").symlink_to(models)
    config: dict[str, Any] = {
        "server": {"api_token": ADMIN_TOKEN},
        "storage": {"data_dir": "data"},
    }
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    path = root / "config" / "service.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _release_finished_apps(request: pytest.FixtureRequest) -> Iterator[None]:
    """aiohttp memoizes each app's middleware chain in a module-level lru_cache (1,024 entries)
    that keeps the whole Application, and with it every service, model and database the test
    built, alive: about 75 MB per test, 16 GB over the suite (production has one app). Services
    also leave reference cycles holding large arrays, which the collector, counting objects and
    not bytes, would reach only much later."""
    yield
    cached = getattr(aiohttp.web_app, "_cached_build_middleware", None)
    built = cached is not None and cached.cache_info().currsize > 0
    if cached is not None:
        cached.cache_clear()
    if built or "services" in request.fixturenames:
        gc.collect()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_project(tmp_path)


@pytest.fixture
def settings(config_path: Path) -> Settings:
    return load_settings(config_path, env={})


@pytest.fixture(params=["sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Every store test runs against each backend (PostgreSQL joins this list when it lands)."""
    db = await Database.open(tmp_path / f"{request.param}.sqlite3")
    s = sqlite_store(db)
    yield s
    await s.close()


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with build_services(settings) as s:
        yield s


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    app = create_app(settings)
    async with TestClient(TestServer(app)) as c:
        yield c


def auth(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def order_hook() -> AsyncIterator[FakeOrderHook]:
    """The operator's order-status hook, a real HTTP server on 127.0.0.1 (tests/fakes.py)."""
    hook = await FakeOrderHook().start()
    yield hook
    await hook.close()
