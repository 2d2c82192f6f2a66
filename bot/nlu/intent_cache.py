"""The trained intent classifier's compiled weights, saved per training set in the data directory.

Training needs scikit-learn, whose import alone costs over a second at start; prediction never
does (IntentClassifier._compile copies vocabularies, idf and weights out of it). A start whose
intent files did not change loads those arrays instead of training: the same decisions, without
importing scikit-learn. The key covers the examples, the labels and every training parameter.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import structlog

from bot.core.private import replace_privately

FILE_NAME = "intent_model.npz"
_FORMAT = 1  # bump when the compiled layout or an analyzer changes
_WHITE_SPACES = re.compile(r"\s\s+")
log = structlog.get_logger(__name__)


def char_wb_ngrams(text: str, min_n: int = 2, max_n: int = 5) -> list[str]:
    """scikit-learn's `char_wb` analyzer with lowercase=True: n-grams inside space-padded words."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    grams: list[str] = []
    for word in text.split():
        w = f" {word} "
        for n in range(min_n, max_n + 1):
            offset = 0
            grams.append(w[offset : offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset : offset + n])
            if offset == 0:  # the padded word is shorter than n: longer n-grams would repeat it
                break
    return grams


def training_key(texts: Sequence[str], labels: Sequence[str], params: Sequence[float | int | None]) -> str:
    """Examples, labels and the classifier's training parameters, hashed with the file format."""
    digest = hashlib.sha256(json.dumps([list(texts), list(labels), [*params, _FORMAT]], ensure_ascii=False).encode())
    return digest.hexdigest()


def save(path: Path, key: str, blocks: list[tuple[dict[str, int], np.ndarray]], classes: Sequence[str],
         intercept: np.ndarray, coef_t: np.ndarray, coef_dense: np.ndarray) -> None:
    vocabs = [json.dumps(v, ensure_ascii=False) for v, _ in blocks]
    idfs = {f"idf{i}": idf for i, (_, idf) in enumerate(blocks)}
    with replace_privately(path) as fh:  # a crash mid-write leaves the old file or none, never half of one
        np.savez(fh, key=np.array(key), classes=np.array(list(classes)), vocabs=np.array(vocabs),
                 intercept=intercept, coef_t=coef_t, coef_dense=coef_dense, **idfs)


Loaded = tuple[list[tuple[dict[str, int], np.ndarray]], tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]


def load(path: Path, key: str) -> Loaded | None:
    """The saved arrays when they were trained on exactly this key, else None (retrain)."""
    try:
        with np.load(path) as data:
            if str(data["key"]) != key:
                return None
            vocabs = [json.loads(str(v)) for v in data["vocabs"]]
            idfs = [np.asarray(data[f"idf{i}"], dtype=np.float32) for i in range(len(vocabs))]
            return (list(zip(vocabs, idfs, strict=True)), tuple(str(c) for c in data["classes"]),
                    data["intercept"], data["coef_t"], data["coef_dense"])
    except (OSError, ValueError, KeyError, EOFError) as exc:
        if path.exists():
            log.warning("intent_model_cache_unreadable", path=str(path), error=type(exc).__name__)
        return None

