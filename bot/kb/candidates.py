"""Candidate rows of a search without sorting the whole collection twice per query.

The retriever's candidates are the top rows by dense score and by lexical coverage, as
`np.argpartition` picks them. Over 25k rows each argpartition costs ~250 µs, more than the rest
of the ranking. `top_rows` finds the same top set from a strided sample's threshold (a lower
bound of the true k-th value) and a partition of the few rows above it. It is the same set
unless rows tie at the k-th value: argpartition then keeps an arbitrary subset of the ties, so
those rows are returned apart and the caller checks that their choice cannot change its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_STEP = 8  # the sample's k-th value is about the full array's (8k)-th: ~400 rows remain


@dataclass(frozen=True)
class Top:
    above: np.ndarray  # rows strictly above the k-th largest value: in any top-k set
    ties: np.ndarray  # rows equal to it; a top-k set holds `k - len(above)` of them
    value: float  # the k-th largest value
    k: int

    @property
    def exact(self) -> bool:
        """Only one top-k set exists (every tie is in it)."""
        return self.above.size + self.ties.size == self.k

    def rows(self) -> np.ndarray:
        return np.concatenate([self.above, self.ties])


def top_rows(x: np.ndarray, k: int) -> Top:
    """The rows of the k largest values of `x` (1 <= k <= len(x)), ties at the k-th apart."""
    n = x.shape[0]
    step = max(1, min(SAMPLE_STEP, n // (2 * k)))
    if step > 1:
        sample = x[::step]
        m = sample.shape[0]  # >= 2k; any k of its values bound the k-th largest of x from below
        idx = np.flatnonzero(x >= np.partition(sample, m - k)[m - k])
    else:
        idx = np.arange(n)
    vals = x[idx]
    kth = np.partition(vals, vals.shape[0] - k)[vals.shape[0] - k]
    return Top(above=idx[vals > kth], ties=idx[vals == kth], value=float(kth), k=k)
