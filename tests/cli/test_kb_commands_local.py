"""search_kb and add_faq with no service running (BOT_CLI_LOCAL=1): on a warm data directory they
read the kept vectors and never import Chroma (about a second), and add_faq's entry is served at
once and reaches Chroma at the next service start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from bot.kb.faq_sync import open_knowledge_base

REPO = Path(__file__).resolve().parents[2]


def _run(config_path: Path, *argv: str) -> tuple[str, bool]:
    code = (
        "import sys\nfrom bot.cli import main\n"
        f"code = main(['--config', {str(config_path)!r}, *{list(argv)!r}])\n"
        "print('chromadb' in sys.modules)\nsys.exit(code)\n"
    )
    env = {**os.environ, "BOT_CLI_LOCAL": "1"}
    env.pop("BOT_DATA_DIR", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env,
                         check=True).stdout.strip().splitlines()
    return "\n".join(out[:-1]), out[-1] == "True"


async def test_warm_local_search_and_add_faq_leave_chroma_alone(settings: Settings, config_path: Path) -> None:
    _, imported = _run(config_path, "search_kb", "--query", "怎么退款", "--json")  # first: fills the caches
    assert imported
    report, imported = _run(config_path, "search_kb", "--query", "怎么退款", "--json")
    assert not imported and json.loads(report)["results"]
    out, imported = _run(config_path, "add_faq", "--id", "warranty", "--question", "保修期是多久？",
                         "--answer", "整机保修一年。")
    assert not imported and out.startswith("added warranty")
    report, imported = _run(config_path, "search_kb", "--query", "保修期是多久", "--json")
    assert not imported and json.loads(report)["results"][0]["id"] == "warranty"

    async with open_knowledge_base(settings, sync_faqs=False) as kb:  # what the next start checks
        await kb.check_index()
        assert "warranty" in kb._index.load()


async def test_a_forced_local_add_faq_beside_a_live_service_writes_chroma(
    settings: Settings, config_path: Path
) -> None:
    """The live service checks Chroma only when it starts, so a write beside it does not defer."""
    from bot.core import service_file

    _run(config_path, "search_kb", "--query", "怎么退款")  # warm the data directory
    service_file.write(settings.data_dir, "127.0.0.1", 9)  # this (live) process, as a service
    try:
        out, imported = _run(config_path, "add_faq", "--id", "warranty", "--question", "保修期是多久？",
                             "--answer", "整机保修一年。")
    finally:
        service_file.remove(settings.data_dir)
    assert imported and out.startswith("added warranty")
    async with open_knowledge_base(settings, sync_faqs=False) as kb:
        assert "warranty" in kb._index.load()
