"""Sentence embedders: the shipped static model, a hashed fallback and an OpenAI-compatible API.

Every embedder returns float32 rows, L2-normalised, so a dot product is the cosine. The local
ones cost microseconds per query (the hot path answers ~1000 messages/s on one core, which
rules out a transformer forward pass per query); `OpenAIEmbedder` is the configured upgrade
and also offers `aembed` so queries do not block the event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from bot.config import EmbeddingConfig
from bot.core.private import private_dir, replace_privately
from bot.kb.tokenize import char_bigrams, is_cjk, normalize, words

log = logging.getLogger(__name__)

DEFAULT_STATIC_MODEL = "static-zh-e5s-v1.npz"
# SIF smoothing: weight = a / (a + p(token)); frequent tokens (的, 吗, the) count little.
SIF_A = 1e-3


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _l2(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class StaticEmbedder:
    """Static token vectors distilled from e5-small (see bot/kb/training/distill.py): a SIF-weighted
    mean of the vectors of the text's jieba words and CJK characters, L2-normalised."""

    def __init__(self, tokens: Sequence[str], vectors: np.ndarray, *, name: str) -> None:
        # `vectors` are already SIF-weighted, so embedding a text is a gather + sum.
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._index = {t: i for i, t in enumerate(tokens)}
        self.dim = int(self._vectors.shape[1])
        self.name = name
        self.meta: dict[str, Any] = {}

    @classmethod
    def load(cls, path: Path, *, sif_a: float = SIF_A, cache_dir: Path | None = None) -> StaticEmbedder:
        """`cache_dir` (the data directory) keeps the weighted float32 matrix as a plain .npy that
        is memory-mapped at the next load: the shipped file is compressed (0.1-0.3 s to inflate)."""
        cached = _cached_matrix(cache_dir, path, sif_a) if cache_dir is not None else None
        with np.load(path, allow_pickle=False) as npz:
            tokens = npz["tokens"].tolist()  # str items, like str(t) for each but a tenth of the time
            meta: dict[str, Any] = json.loads(str(npz["meta"]))
            if cached is None:
                vectors = npz["vectors"].astype(np.float32)
                logp = npz["logp"].astype(np.float64)
                if not meta.get("weighted"):  # plain distilled vectors: apply SIF weights now
                    vectors *= (sif_a / (sif_a + np.exp(logp)))[:, None]
                if cache_dir is not None:
                    _save_matrix(cache_dir, path, sif_a, vectors)
            else:
                vectors = cached
        emb = cls(tokens, vectors, name=path.stem)
        emb.meta = meta
        return emb

    def token_ids(self, text: str) -> list[int]:
        ids: list[int] = []
        index = self._index
        for w in words(text):
            i = index.get(w)
            if i is not None:
                ids.append(i)
            if len(w) > 1 and is_cjk(w):
                # Characters too: they carry meaning when the word is unknown or rare.
                ids.extend(index[c] for c in w if c in index)
        return ids

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.token_ids(text)
            if ids:
                out[row] = self._vectors[ids].sum(axis=0)
        return _l2(out)


def _matrix_file(cache_dir: Path, model: Path, sif_a: float) -> Path:
    st = model.stat()
    key = f"{model.resolve()}|{st.st_size}|{st.st_mtime_ns}|{sif_a!r}"
    return cache_dir / f"{model.stem}-{hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}.npy"


def _cached_matrix(cache_dir: Path, model: Path, sif_a: float) -> np.ndarray | None:
    try:
        mat = np.load(_matrix_file(cache_dir, model, sif_a), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    return mat if mat.dtype == np.float32 and mat.ndim == 2 else None


def _save_matrix(cache_dir: Path, model: Path, sif_a: float, vectors: np.ndarray) -> None:
    try:
        target = _matrix_file(cache_dir, model, sif_a)
        private_dir(cache_dir)
        with replace_privately(target) as fh:
            np.save(fh, vectors, allow_pickle=False)
        for old in cache_dir.glob(f"{model.stem}-*.npy"):  # another version of the model
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only data directory: the shipped file is read each time
        pass


class HashedEmbedder:
    """Deterministic, file-free fallback: signed feature hashing of words, characters and
    character bigrams. Lexical only (no synonyms), but never fails."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hashed-v1-{dim}"

    def _features(self, text: str) -> list[str]:
        norm = normalize(text)
        feats = [f"w:{w}" for w in words(text)]
        feats.extend(f"c:{c}" for c in norm if is_cjk(c))
        feats.extend(f"b:{g}" for g in char_bigrams(norm))
        return feats

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feat in self._features(text):
                h = zlib.crc32(feat.encode("utf-8"))  # stable across processes, unlike hash()
                out[row, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        return _l2(out)


class OpenAIEmbedder:
    """An OpenAI-compatible /v1/embeddings endpoint (OpenAI, Azure, Ollama, vLLM, Xinference)."""

    batch_size = 128

    def __init__(self, model: str, *, base_url: str | None, api_key: str | None, timeout: float) -> None:
        self.model = model
        self.name = f"openai-{model}"
        self._kwargs: dict[str, Any] = {
            "base_url": base_url,
            "api_key": api_key or "not-needed",  # local servers ignore it; the SDK insists on one
            "timeout": timeout,
            "max_retries": 2,
        }
        self._client: Any = None
        self._aclient: Any = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed(["dimension probe"])
        assert self._dim is not None
        return self._dim

    def _finish(self, rows: list[list[float]]) -> np.ndarray:
        arr = _l2(np.asarray(rows, dtype=np.float32).reshape(len(rows), -1))
        self._dim = arr.shape[1]
        return arr

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(**self._kwargs)
        rows: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            chunk = [t or " " for t in texts[i : i + self.batch_size]]
            resp = self._client.embeddings.create(model=self.model, input=chunk)
            rows.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        return self._finish(rows) if rows else np.zeros((0, self._dim or 0), dtype=np.float32)

    async def aembed(self, texts: Sequence[str]) -> np.ndarray:
        if self._aclient is None:
            from openai import AsyncOpenAI

            self._aclient = AsyncOpenAI(**self._kwargs)
        resp = await self._aclient.embeddings.create(model=self.model, input=[t or " " for t in texts])
        return self._finish([d.embedding for d in sorted(resp.data, key=lambda d: d.index)])

    async def aclose(self) -> None:
        for client in (self._aclient,):
            if client is not None:
                await client.close()
        if self._client is not None:
            self._client.close()


def make_embedder(cfg: EmbeddingConfig, models_dir: Path, cache_dir: Path | None = None) -> Embedder:
    if cfg.provider == "openai":
        return OpenAIEmbedder(cfg.model, base_url=cfg.base_url, api_key=cfg.api_key, timeout=cfg.timeout)
    if cfg.provider == "local":
        path = models_dir / DEFAULT_STATIC_MODEL
        if path.is_file():
            return StaticEmbedder.load(path, cache_dir=cache_dir)
        log.warning(
            "static embedding model %s not found; falling back to hashed n-gram embeddings "
            "(lower FAQ accuracy). Rebuild it with: python -m bot.kb.training.distill --out %s",
            path,
            path,
        )
    return HashedEmbedder()
