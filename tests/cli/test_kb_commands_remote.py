"""search_kb and add_faq ask the running service of their data directory (its models are loaded;
the change is live at once), and open the knowledge base themselves when there is none."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.cli import main
from bot.config import Settings
from bot.core import service_file
from tests.conftest import auth


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings, background=True))) as c:
        service_file.write(settings.data_dir, "127.0.0.1", c.port)  # as `start` does once it listens
        yield c
        service_file.remove(settings.data_dir)


async def cli(config_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    # In a thread: the command's HTTP call is answered by the server on this test's loop.
    code = await asyncio.to_thread(main, ["--config", str(config_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def ask(client: TestClient, text: str) -> dict[str, Any]:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": "c1", "message": text},
                             headers=auth())
    return await resp.json()


async def test_add_faq_goes_through_the_running_service_and_answers_at_once(
    live: TestClient, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await cli(config_path, capsys, "add_faq", "--id", "warranty",
                             "--question", "产品保修多久？", "--answer", "所有商品保修一年。")
    assert code == 0 and "added warranty" in out
    body = await ask(live, "产品保修多久")  # no refresh interval to wait for: the service wrote it
    assert body["route"] == "faq" and body["replies"][0]["text"] == "所有商品保修一年。"

    code, out, _ = await cli(config_path, capsys, "add_faq", "--id", "warranty",
                             "--question", "产品保修多久？", "--answer", "保修两年。")
    assert code == 0 and "updated warranty" in out
    code, out, _ = await cli(config_path, capsys, "search_kb", "--query", "产品保修多久？", "--json")
    report = json.loads(out)
    assert code == 0 and report["source"].endswith(f":{live.port}")
    assert report["results"][0]["id"] == "warranty" and report["results"][0]["answer"] == "保修两年。"


async def test_a_bad_entry_is_refused_in_one_line_and_nothing_is_written(
    live: TestClient, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await cli(config_path, capsys, "add_faq", "--id", "bad id!", "--question", "q?", "--answer", "a")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert (await live.get("/api/kb/faqs/bad%20id!", headers=auth())).status in (400, 404)


async def test_a_stale_service_file_falls_back_to_the_local_knowledge_base(
    settings: Settings, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    service_file.write(settings.data_dir, "127.0.0.1", 9)
    raw = json.loads((settings.data_dir / service_file.FILE_NAME).read_text())
    (settings.data_dir / service_file.FILE_NAME).write_text(json.dumps({**raw, "pid": 2**22 + 7}))
    code, out, _ = await cli(config_path, capsys, "search_kb", "--query", "怎么退款", "--json")
    report = json.loads(out)
    assert code == 0 and "source" not in report and report["results"]


def test_service_file_is_private_and_removed_only_by_its_writer(tmp_path: Path) -> None:
    path = service_file.write(tmp_path, "0.0.0.0", 8080)
    assert path.stat().st_mode & 0o777 == 0o600
    address = service_file.read(tmp_path)
    assert address is not None and address.base_url == "http://127.0.0.1:8080" and address.pid == os.getpid()
    path.write_text(json.dumps({"pid": 1, "host": "127.0.0.1", "port": 8081}))  # another service's
    service_file.remove(tmp_path)
    assert path.exists()
