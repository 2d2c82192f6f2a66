"""Contrastive fine-tuning of the static token vectors on labelled question pairs (numpy only).

A sentence is the L2-normalised sum of its (SIF-weighted) token vectors, exactly as
StaticEmbedder computes it. InfoNCE with in-batch negatives plus label-0 pairs as hard
negatives (same domain, different meaning: 花呗 vs 借呗) moves the vectors themselves; Adam,
a few epochs. Used by `python -m bot.kb.training.distill --finetune-pairs afqmc/train.csv`.
Sentences of the tuning benchmark are excluded so calibration is not fitted on training data.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from bot.kb.tokenize import normalize

Pair = tuple[str, str]


def load_pairs(path: Path, exclude: set[str]) -> tuple[list[Pair], list[Pair]]:
    """(positive, negative) pairs of a `sentence1,sentence2,label` CSV, minus excluded sentences."""
    pos: list[Pair] = []
    neg: list[Pair] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            a, b = r["sentence1"], r["sentence2"]
            if normalize(a) in exclude or normalize(b) in exclude:
                continue
            (pos if r["label"] == "1" else neg).append((a, b))
    return pos, neg


def _bag(token_ids: Callable[[str], list[int]], texts: Sequence[str], vocab: int) -> sp.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for i, t in enumerate(texts):
        ids = token_ids(t)
        rows.extend([i] * len(ids))
        cols.extend(ids)
    data = np.ones(len(rows), np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), vocab))


def _forward(m: sp.csr_matrix, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(m @ v)
    n = np.linalg.norm(x, axis=1, keepdims=True) + 1e-8
    return x / n, n


def _back_norm(dy: np.ndarray, y: np.ndarray, n: np.ndarray) -> np.ndarray:
    return (dy - y * np.sum(dy * y, axis=1, keepdims=True)) / n


def train(
    vectors: np.ndarray,
    token_ids: Callable[[str], list[int]],
    pos: list[Pair],
    neg: list[Pair],
    *,
    epochs: int = 2,
    batch: int = 256,
    lr: float = 0.01,
    tau: float = 0.05,
    seed: int = 0,
) -> np.ndarray:
    v = vectors.astype(np.float32).copy()
    rng = np.random.default_rng(seed)
    vocab = v.shape[0]
    ma = _bag(token_ids, [a for a, _ in pos], vocab)
    mb = _bag(token_ids, [b for _, b in pos], vocab)
    mn = _bag(token_ids, [b for _, b in neg], vocab)
    m1 = np.zeros_like(v)
    m2 = np.zeros_like(v)
    step = 0
    for epoch in range(epochs):
        perm = rng.permutation(len(pos))
        total = 0.0
        for s in range(0, len(perm), batch):
            idx = perm[s : s + batch]
            nidx = rng.integers(0, len(neg), batch) if neg else np.zeros(0, dtype=np.int64)
            a, na = _forward(ma[idx], v)
            b, nb = _forward(mb[idx], v)
            n, nn = _forward(mn[nidx], v)
            cands = np.concatenate([b, n])
            logits = a @ cands.T / tau
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            k = len(idx)
            diag = np.arange(k)
            total += float(-np.log(p[diag, diag] + 1e-9).sum())
            g = p
            g[diag, diag] -= 1
            g /= k * tau
            da = g @ cands
            dc = g.T @ a
            grad = np.asarray(
                ma[idx].T @ _back_norm(da, a, na)
                + mb[idx].T @ _back_norm(dc[:k], b, nb)
                + mn[nidx].T @ _back_norm(dc[k:], n, nn)
            )
            step += 1  # Adam
            m1 = 0.9 * m1 + 0.1 * grad
            m2 = 0.999 * m2 + 0.001 * grad * grad
            v -= lr * (m1 / (1 - 0.9**step)) / (np.sqrt(m2 / (1 - 0.999**step)) + 1e-8)
        print(f"[distill] fine-tune epoch {epoch + 1}/{epochs}: loss {total / len(perm):.3f}", file=sys.stderr)
    return v
