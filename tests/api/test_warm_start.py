"""A warm start (second and later) becomes ready without Chroma or jieba's slow cache: the
first-stage vectors and jieba's dictionary come from the data directory; Chroma is checked once
the port is open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, sys
import jieba
from bot.app import build_services
from bot.config import load_settings

async def main():
    settings = load_settings(sys.argv[1], env={})
    loads = []  # jieba building or unmarshalling its dictionary itself
    real = jieba.Tokenizer.initialize

    def initialize(self, *args):
        if not self.initialized:
            loads.append(1)
        return real(self, *args)

    jieba.Tokenizer.initialize = initialize
    async with build_services(settings) as services:
        hits = services.knowledge_base.search("怎么退款", 1)
        print("RESULT", "chromadb" in sys.modules, bool(loads), hits[0].entry.id)
        await services.knowledge_base.check_index()  # what serve() runs once it listens
        print("RESULT", "chromadb" in sys.modules)

asyncio.run(main())
"""


def _start(config_path: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_DATA_DIR", "BOT_CONFIG")}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(config_path)], capture_output=True, text=True,
                          cwd=REPO, env=env, check=True).stdout
    return [w for line in out.splitlines() if line.startswith("RESULT ") for w in line.split()[1:]]


def test_a_warm_start_needs_neither_chroma_nor_jiebas_own_cache(config_path: Path) -> None:
    cold = _start(config_path)
    assert cold[0] == "True"  # the first start fills Chroma and the kept files
    warm = _start(config_path)
    assert warm[:2] == ["False", "False"] and warm[2] == cold[2]
    assert warm[3] == "True"
