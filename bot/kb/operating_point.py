"""The match/no-match decision, adapted to the knowledge base at hand.

Raw e5 cosines sit in a narrow band whose position depends on the knowledge base (a KB of similar
entries scores every query high). So each KB measures its own "near miss" level: its questions are
asked against the KB with their own entry left out, and the best wrong score of each is a sample of
what a plausible but wrong answer scores here. A query's top score and its margin over the runner-up
are read in units of that spread, the margin against the margin a near miss has over the next
wrong entry (a KB of a few far-apart entries gives every query, off-topic ones too, a wide margin):

    z = (top - near_miss_mean) / near_miss_sd
    m = (top - second - near_miss_margin) / near_miss_margin_sd
    P(right) = sigmoid(A * z + B * m + C)

A query must also score above what generic chatter scores on this KB: a shipped corpus of small
talk, open-domain questions, injections and noise (data/out_of_scope.txt) is asked too, and a top
score under its 90th percentile is declined (P = 0) whatever the margin.

A, B, C were fitted once on the support_faq_dev development set (three businesses): on the whole KB
and on 61 sub-KBs of 2 to 45 of its entries, whose left-out entries' questions serve as near-domain
out-of-scope queries, balanced so that small and large KBs weigh alike. They are the same for every KB; only the
near-miss mean and spread are measured per KB, shrunk towards the development
set's values when the KB has few questions. `knowledge_base.similarity_threshold` is compared with
P(right); exact and near-exact matches of a KB question score 1.0.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.kb.faq import FaqEntry

A, B, C = 1.077, 0.845, -0.071
# near misses of support_faq_dev: best wrong score (mean, sd), its lead over the next (mean, sd)
PRIOR_MEAN, PRIOR_SD, PRIOR_MARGIN, PRIOR_MARGIN_SD = 0.8785, 0.0153, 0.0084, 0.0085
PRIOR_WEIGHT = 10  # pseudo-samples: a KB of 3 questions mostly keeps the prior
MIN_SD = 0.008
CHATTER_QUANTILE = 0.9
SAMPLE_LIMIT = 200  # questions asked per calibration (about 2 s of e5 on this machine)


@dataclass(frozen=True)
class OperatingPoint:
    near_miss_mean: float = PRIOR_MEAN
    near_miss_sd: float = PRIOR_SD
    near_miss_margin: float = PRIOR_MARGIN
    near_miss_margin_sd: float = PRIOR_MARGIN_SD
    samples: int = 0  # KB questions the near-miss level was measured on (0 = prior only)
    chatter_level: float = -1.0  # 90th percentile of the out-of-scope corpus' top scores here

    def probability(self, top: float, second: float | None) -> float:
        if top < self.chatter_level:
            return 0.0
        runner_up = self.near_miss_mean if second is None else second
        z = (top - self.near_miss_mean) / self.near_miss_sd
        m = (top - runner_up - self.near_miss_margin) / self.near_miss_margin_sd
        x = A * z + B * m + C
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "coefficients": {"z": A, "margin": B, "bias": C}}


def from_near_misses(
    best: Sequence[float], margins: Sequence[float], chatter: Sequence[float] = ()
) -> OperatingPoint:
    """`best`: each held-out question's best wrong score; `margins`: its lead over the next wrong
    entry (absent when the KB has only two entries)."""
    x = np.asarray(best, np.float64)
    n = len(x)
    level = float(np.quantile(chatter, CHATTER_QUANTILE)) if len(chatter) else -1.0
    if n == 0:
        return OperatingPoint(chatter_level=level)
    mean, sd = _shrunk(x, PRIOR_MEAN, PRIOR_SD)
    margin, margin_sd = _shrunk(np.asarray(margins, np.float64), PRIOR_MARGIN, PRIOR_MARGIN_SD)
    return OperatingPoint(mean, sd, margin, margin_sd, n, level)


def _shrunk(x: np.ndarray, prior_mean: float, prior_sd: float) -> tuple[float, float]:
    """Mean and spread of `x`, pulled towards the prior by PRIOR_WEIGHT pseudo-samples."""
    n, w = len(x), PRIOR_WEIGHT
    mean = (x.sum() + w * prior_mean) / (n + w)
    var = (((x - mean) ** 2).sum() + w * (prior_sd**2 + (prior_mean - mean) ** 2)) / (n + w)
    return float(mean), max(MIN_SD, float(math.sqrt(var)))


@cache
def chatter_corpus() -> tuple[str, ...]:
    text = (Path(__file__).parent / "data" / "out_of_scope.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def sample_questions(items: Sequence[tuple[str, str]], limit: int = SAMPLE_LIMIT) -> list[tuple[str, str]]:
    """An even, deterministic spread of (faq id, question) pairs, at most `limit`."""
    if len(items) <= limit:
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def content_key(entries: Iterable[FaqEntry]) -> str:
    """A digest of everything calibration reads: ids, questions, answers, and the corpus/coefficients."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((A, B, C, PRIOR_MEAN, PRIOR_SD, PRIOR_MARGIN, PRIOR_MARGIN_SD, chatter_corpus())).encode())
    for e in sorted(entries, key=lambda e: e.id):
        h.update(json.dumps([e.id, e.texts, sorted(e.answers.items())], ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def load_point(path: Path, key: str) -> OperatingPoint | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return OperatingPoint(**data["point"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def save_point(path: Path, key: str, point: OperatingPoint) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "point": asdict(point)}), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class PointFile:
    """`operating_point.json` in the data directory: the point calibrated for one KB content, so
    an open of unchanged content reuses it instead of calibrating again."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def reuse_or_calibrate(self, key: str, calibrate: Callable[[], OperatingPoint]) -> OperatingPoint:
        saved = load_point(self._path, key)
        return saved if saved is not None else self.calibrate(key, calibrate)

    def calibrate(self, key: str, calibrate: Callable[[], OperatingPoint]) -> OperatingPoint:
        point = calibrate()
        save_point(self._path, key, point)
        return point
