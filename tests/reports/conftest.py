from __future__ import annotations

import pytest

from bot.config import Settings
from bot.reports.service import Reports
from bot.store import Store
from tests.reports.fixture import NOW, seed


@pytest.fixture
async def reports(store: Store, settings: Settings) -> Reports:
    await seed(store.db)
    return Reports(settings, store, now=lambda: NOW)
