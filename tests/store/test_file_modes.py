"""Nobody but the service's user can read the data directory, the database or the vector index."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the common default: files 0644, directories 0755
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_dir_is_0700_and_every_file_in_it_0600(settings: Settings, permissive_umask: None) -> None:
    async with build_services(settings) as services:
        await services.store.db.execute("CREATE TABLE IF NOT EXISTS t_probe (x)")  # a write: the WAL exists
        data = settings.data_dir
        assert mode(data) == 0o700
        db_files = [p for p in data.iterdir() if p.name.endswith((".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".db"))]
        assert any(p.name.endswith("-wal") for p in db_files), [p.name for p in data.iterdir()]
        for p in db_files:
            assert mode(p) == 0o600, p
        chroma = data / "chroma"
        assert mode(chroma) == 0o700 and any(chroma.rglob("*.sqlite3"))  # the FAQs were indexed
        for p in chroma.rglob("*"):
            assert mode(p) == (0o700 if p.is_dir() else 0o600), p
    for p in data.rglob("*"):
        assert mode(p) & 0o077 == 0, p
