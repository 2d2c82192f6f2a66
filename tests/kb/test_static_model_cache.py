"""The static model's weighted matrix kept in the data directory (memory-mapped at the next load)
embeds exactly as the shipped compressed file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.kb.embedding import DEFAULT_STATIC_MODEL, StaticEmbedder

MODEL = Path(__file__).resolve().parents[2] / "knowledge" / "models" / DEFAULT_STATIC_MODEL
TEXTS = ["如何申请退款？", "how do I reset my password", "花呗怎么还款", "我要退货 订单号20240601123", ""]


@pytest.mark.skipif(not MODEL.is_file(), reason="the static model is not shipped in this checkout")
def test_kept_matrix_embeds_exactly_as_the_shipped_file(tmp_path: Path) -> None:
    shipped = StaticEmbedder.load(MODEL)
    first = StaticEmbedder.load(MODEL, cache_dir=tmp_path)  # writes the matrix
    kept = list(tmp_path.glob("*.npy"))
    assert len(kept) == 1 and kept[0].stat().st_mode & 0o777 == 0o600
    again = StaticEmbedder.load(MODEL, cache_dir=tmp_path)  # maps it
    for emb in (first, again):
        assert np.array_equal(emb.embed(TEXTS), shipped.embed(TEXTS)) and emb.name == shipped.name

    kept[0].write_bytes(b"damaged")
    assert np.array_equal(StaticEmbedder.load(MODEL, cache_dir=tmp_path).embed(TEXTS), shipped.embed(TEXTS))
