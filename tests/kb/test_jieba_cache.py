"""jieba's dictionary from the data directory's fast cache is exactly jieba's own."""

from __future__ import annotations

import json

import jieba

from bot.kb import jieba_cache


def _fresh() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    return tok


def test_cache_is_written_then_used_and_segments_identically(tmp_path):
    built = _fresh()
    jieba_cache.load_dictionary(tmp_path, built)  # miss: jieba builds, the cache is written
    path = tmp_path / jieba_cache.FILE_NAME
    assert built.initialized and path.exists()
    assert path.stat().st_mode & 0o777 == 0o600

    loaded = _fresh()
    calls = []
    loaded.initialize = lambda *a, **k: calls.append(a)  # type: ignore[method-assign]
    jieba_cache.load_dictionary(tmp_path, loaded)
    assert calls == [] and loaded.initialized  # from the cache, not from jieba
    assert loaded.total == built.total
    assert list(loaded.FREQ.items()) == list(built.FREQ.items())
    text = "我想申请退款，订单号是多少？花呗分期怎么还款"
    assert loaded.lcut(text, HMM=False) == built.lcut(text, HMM=False)


def test_stale_or_damaged_cache_falls_back_to_jieba(tmp_path):
    jieba_cache.load_dictionary(tmp_path, _fresh())
    path = tmp_path / jieba_cache.FILE_NAME
    header, rest = path.read_bytes().split(b"\n", 1)
    meta = json.loads(header)
    path.write_bytes(json.dumps({**meta, "jieba": "0.0"}).encode() + b"\n" + rest)
    tok = _fresh()
    jieba_cache.load_dictionary(tmp_path, tok)  # version mismatch: rebuilt by jieba, rewritten
    assert tok.initialized and json.loads(path.read_bytes().split(b"\n", 1)[0])["jieba"] == jieba.__version__

    path.write_bytes(path.read_bytes()[:1000])  # truncated
    tok = _fresh()
    jieba_cache.load_dictionary(tmp_path, tok)
    assert tok.initialized and len(tok.FREQ) > 100_000
