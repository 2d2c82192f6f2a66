"""Unanswered-question clusters: what customers asked that the bot could not answer, grouped.

Texts are normalised (NFKC, lower case, punctuation dropped, e-mail addresses to one word and
digit runs to one "0", so order numbers and addresses do not split a group) and counted once per
distinct form. The distinct forms — the MAX_UNIQUE most frequent — are segmented with jieba
(bot/kb/tokenize.py), stripped of function words and vectorised by tf-idf: Chinese words as
their character 1-3-grams (robust to jieba's segmentation and to typos), Latin words whole and by
their first four letters (invoice / invoices), then grouped by agglomerative clustering
(average linkage on cosine distance, cut at DISTANCE: no number of clusters is chosen in
advance). Rarer forms join the nearest cluster when close to its centroid (TAIL_SIMILARITY), else
they stay "other". A cluster shows its size (every occurrence counted), its commonest words, and
a few distinct examples, masked (phone numbers and e-mails) and shortened.

CPU-bound (a second or two for thousands of texts): the callers run it in a thread.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.customers.masking import mask_text
from bot.kb.tokenize import normalize, words

MAX_UNIQUE = 2000  # distinct forms clustered pairwise (a 2000² distance matrix: 32 MB, < 1 s)
DISTANCE = 0.8  # average cosine distance at which two groups stop merging (tuned on labelled questions)
TAIL_SIMILARITY = 0.5  # cosine similarity to a cluster's centroid at which a rare form joins it
MAX_EXAMPLE = 80  # characters of an example
_DIGITS = re.compile(r"[0-9]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Function words: dropped before vectorising (else "在吗" and "门店在哪里" look alike) and from keywords.
_STOP = frozenset(
    "的 了 吗 呢 吧 啊 嗯 我 你 我们 你们 是 在 有 和 就 都 也 还 要 能 可以 怎么 怎么办 什么 这个 那个 一下 请问 "
    "哪 哪里 哪儿 几 多少 为什么 没有 不 没 时候 什么时候 有没有 还是 一直 "
    "the a an to is are of for my me i you it can how what do does on in please get".split())


@dataclass(frozen=True, slots=True)
class Cluster:
    count: int
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    distinct: int = 0  # distinct normalised forms in it

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "distinct": self.distinct, "keywords": list(self.keywords),
                "examples": list(self.examples)}


@dataclass(frozen=True, slots=True)
class Clustering:
    texts: int  # texts clustered (each occurrence)
    clusters: tuple[Cluster, ...]
    other: int = 0  # occurrences in no cluster shown (singletons, or beyond `limit`)
    method: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"texts": self.texts, "clusters": [c.as_dict() for c in self.clusters], "other": self.other,
                "method": self.method}


def example(text: str) -> str:
    """A text as a report may show it: masked, one line, at most MAX_EXAMPLE characters."""
    one_line = " ".join(mask_text(text).split())
    return one_line if len(one_line) <= MAX_EXAMPLE else one_line[: MAX_EXAMPLE - 1] + "…"


def _key(text: str) -> str:
    return _DIGITS.sub("0", normalize(_EMAIL.sub(" email ", text)))


def _method() -> dict[str, Any]:
    return {"vectors": "tf-idf: character 1-3-grams of jieba's Chinese words, Latin words and their 4-letter "
            "prefixes", "grouping": f"agglomerative, average linkage, cosine distance cut at {DISTANCE}",
            "max_distinct": MAX_UNIQUE}


def cluster(texts: list[str], *, limit: int = 12, examples: int = 3, min_size: int = 2) -> Clustering:
    """Group `texts`; the `limit` largest clusters of at least `min_size` occurrences, largest first."""
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        key = _key(text)
        if key:
            forms.setdefault(key, Counter())[text] += 1
    total = sum(sum(c.values()) for c in forms.values())
    if not forms:
        return Clustering(0, (), 0, _method())
    keys = sorted(forms, key=lambda k: (-sum(forms[k].values()), k))
    head, tail = keys[:MAX_UNIQUE], keys[MAX_UNIQUE:]
    labels, tail_labels = _group(head, tail)
    members: dict[int, list[str]] = {}
    for key, label in [*zip(head, labels, strict=True), *zip(tail, tail_labels, strict=True)]:
        if label >= 0:
            members.setdefault(label, []).append(key)
    built = [_cluster(group, forms, examples) for group in members.values()]
    built = sorted((c for c in built if c.count >= min_size), key=lambda c: (-c.count, c.examples))
    shown = tuple(built[:limit])
    return Clustering(total, shown, total - sum(c.count for c in shown), _method())


def warm_up() -> None:
    """Import scikit-learn and load jieba's dictionary (seconds on a cold process): a caller runs
    this in a thread while its queries run, so the clustering does not wait for them after."""
    from sklearn.cluster import AgglomerativeClustering  # noqa: F401
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401

    words("预热")


def _terms(key: str) -> list[str]:
    """The tf-idf terms of a normalised form: character 1-3-grams of each Chinese word (padded
    with spaces, as scikit-learn's char_wb does), Latin words whole and by their first 4 letters."""
    out: list[str] = []
    for w in words(key):
        if w in _STOP:
            continue
        if _CJK.search(w):
            padded = f" {w} "
            out.extend(g for n in (1, 2, 3) for i in range(len(padded) - n + 1) if (g := padded[i:i + n]).strip())
        else:
            out.append(w)
            if len(w) > 4:
                out.append(w[:4] + "~")
    return out or [key]


def _group(head: list[str], tail: list[str]) -> tuple[list[int], list[int]]:
    """Cluster labels of the frequent forms, and of the rest (-1: near no cluster)."""
    if len(head) == 1:
        return [0], [-1] * len(tail)
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_terms, sublinear_tf=True)
    x = vectorizer.fit_transform(head)
    similarity = (x @ x.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=DISTANCE)
    labels = [int(v) for v in model.fit_predict(distance)]
    if not tail:
        return labels, []
    ids = np.asarray(labels)
    centroids = np.vstack([np.asarray(x[ids == c].mean(axis=0)).ravel() for c in range(ids.max() + 1)])
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    y = vectorizer.transform(tail)
    sims = np.asarray(y @ (centroids / norms[:, None]).T)
    best = sims.argmax(axis=1)
    tail_labels = [int(b) if sims[i, b] >= TAIL_SIMILARITY else -1 for i, b in enumerate(best)]
    return labels, tail_labels


def _cluster(keys: list[str], forms: dict[str, Counter[str]], n_examples: int) -> Cluster:
    count = sum(sum(forms[k].values()) for k in keys)
    vocab: Counter[str] = Counter()
    for k in keys:
        n = sum(forms[k].values())
        for w in set(words(k)):
            if w not in _STOP and len(w) > (2 if w.isascii() else 1) and not w.isdigit():
                vocab[w] += n
    keywords = tuple(w for w, _ in vocab.most_common(3))
    # One example per distinct form, commonest first: variations, not the same question thrice.
    by_size = sorted(keys, key=lambda k: (-sum(forms[k].values()), k))
    seen: list[str] = []
    for k in by_size:
        shown = example(forms[k].most_common(1)[0][0])
        if shown not in seen:
            seen.append(shown)
        if len(seen) == n_examples:
            break
    return Cluster(count, keywords, tuple(seen), len(keys))
