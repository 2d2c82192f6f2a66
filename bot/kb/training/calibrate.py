"""Fit the retriever's score calibration on a TUNING benchmark (never on the reported one).

    python -m bot.kb.training.calibrate --kb tune/faq_kb.jsonl --queries tune/faq_queries.jsonl \
        tune/faq_queries_far_oos.jsonl --provider local --out knowledge/models/calibration.json

For every query, the retriever's candidate texts (top by cosine and top by lexical coverage)
become training rows: features (dense, qcov, dcov, dense*qcov), label = the text belongs to
the expected FAQ (out-of-scope queries: all negatives). A logistic regression turns them
into a probability-like score; its weights are stored under the embedder's name (merged
into the JSON file). It then prints the threshold that declines 90% of the tuning set's
out-of-scope queries, and what that threshold costs on its in-scope queries.
The shipped tuning set is built from AFQMC *train* (see knowledge/models/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.config import EmbeddingConfig, KnowledgeBaseConfig, Settings
from bot.kb.retriever import CANDIDATES, Calibration, Retriever
from bot.kb.search_setup import make_retriever, models_dir
from bot.kb.training.evaluation import load_kb_file, load_queries


def candidate_features(
    r: Retriever, queries: Sequence[tuple[str, str | None]]
) -> list[tuple[str | None, list[str], np.ndarray]]:
    """Per query: (expected id, faq id per candidate row, raw features [dense, qcov, dcov])."""
    n = len(r._row_faq)
    out = []
    for query, expected in queries:
        qv = r.embedder.embed([query])[0]
        dense = r._vecs[:n] @ qv
        qcov, dcov = r._lex.scores(query, n)
        k = min(CANDIDATES, n)
        cand = np.union1d(np.argpartition(-dense, k - 1)[:k], np.argpartition(-qcov, k - 1)[:k])
        ids = [r._row_faq[c] or "" for c in cand]
        out.append((expected, ids, np.stack([dense[cand], qcov[cand], dcov[cand]], axis=1)))
    return out


def fit(data: list[tuple[str | None, list[str], np.ndarray]], c: float = 1.0) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    base = Calibration()
    x = np.concatenate([base.features(f[:, 0], f[:, 1], f[:, 2]) for _, _, f in data])
    y = np.concatenate([[i == exp for i in ids] for exp, ids, _ in data])
    model = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    ranker = Calibration(
        weights=tuple(float(w) for w in model.coef_[0]),  # type: ignore[arg-type]
        bias=float(model.intercept_[0]),
    )
    # Second stage: P(top-1 answer is right | its z), over all queries (out-of-scope = wrong).
    z, ok = [], []
    for exp, ids, f in data:
        zs = ranker.logit(f[:, 0], f[:, 1], f[:, 2])
        i = int(np.argmax(zs))
        z.append(zs[i])
        ok.append(ids[i] == exp)
    top = LogisticRegression(C=c, max_iter=5000).fit(np.array(z)[:, None], np.array(ok))
    return Calibration(
        weights=ranker.weights,
        bias=ranker.bias,
        scale=float(top.coef_[0][0]),
        offset=float(top.intercept_[0]),
    )


def top_scores(
    cal: Calibration, data: list[tuple[str | None, list[str], np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(best score, top-1 correct, in scope) per query."""
    best, correct, inscope = [], [], []
    for exp, ids, f in data:
        s = cal.score(f[:, 0], f[:, 1], f[:, 2])
        i = int(np.argmax(s))
        best.append(s[i])
        correct.append(ids[i] == exp)
        inscope.append(exp is not None)
    return np.array(best), np.array(correct), np.array(inscope)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.kb.training.calibrate", description=__doc__.split("\n")[0])
    ap.add_argument("--kb", type=Path, required=True)
    ap.add_argument("--queries", type=Path, nargs="+", required=True)
    ap.add_argument("--provider", choices=["local", "hashed"], default="local")
    ap.add_argument("--out", type=Path, help="calibration JSON to update (default: print only)")
    ap.add_argument("--oos-target", type=float, default=0.9)
    args = ap.parse_args(argv)
    settings = Settings(knowledge_base=KnowledgeBaseConfig(embedding=EmbeddingConfig(provider=args.provider)))
    r = make_retriever(settings)
    r.rebuild((e.id, e.texts) for e in load_kb_file(args.kb))
    data = [d for q in args.queries for d in candidate_features(r, load_queries(q))]
    cal = fit(data)
    best, correct, inscope = top_scores(cal, data)
    # Every out-of-scope file separately must reach the target (near-domain ones are hardest).
    thr = 0.0
    for q in args.queries:
        part = top_scores(cal, candidate_features(r, load_queries(q)))
        if (~part[2]).any():
            thr = max(thr, float(np.quantile(part[0][~part[2]], args.oos_target)))
    answered = best >= thr
    print(f"{r.embedder.name}: weights {cal.weights} bias {cal.bias:.3f}", file=sys.stderr)
    print(
        f"threshold for {args.oos_target:.0%} OOS declined: {thr:.3f}; in-scope top-1 "
        f"{correct[inscope].mean():.3f}, false-decline {(~answered[inscope]).mean():.3f}, "
        f"precision {(answered & correct).sum() / max(answered.sum(), 1):.3f}",
        file=sys.stderr,
    )
    if args.out:
        path = args.out if args.out.is_absolute() else models_dir(settings).parent.parent / args.out
        data_out = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        data_out[r.embedder.name] = {
            "weights": list(cal.weights),
            "bias": cal.bias,
            "scale": cal.scale,
            "offset": cal.offset,
            "threshold_for_90pct_oos_decline": thr,
        }
        path.write_text(json.dumps(data_out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
