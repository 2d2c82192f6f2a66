"""Intent classifier: TF-IDF (word/Han-character uni+bigrams and char_wb 2-5-grams) + linear SVM.

Trained at start from the intent YAML (well under a second for the defaults). On large training
sets (≥ `EMBED_MIN_EXAMPLES`, e.g. Banking77, CLINC150) the shipped static sentence embedding
(knowledge/models, bot/kb/embedding.py) is appended as 128 dense features: it lends some
synonymy that n-grams lack (5-fold CV on Banking77 train: 0.903 → 0.906). Confidence is the
softmax of the SVM decision scores; below `threshold` the classifier answers "no intent" (None).
When the training labels contain `oos` (out-of-scope examples, as in CLINC150) it is learned as
one more class and predicting it also means None. `is_question` flags how-to/info questions
("如何退款", "how do I get a refund") so the router can answer from the FAQ instead of starting
the refund flow that "我要退款" starts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.nlu import intent_cache
from bot.nlu.intent_spec import OOS_LABEL, IntentCatalog
from bot.nlu.results import IntentResult

if TYPE_CHECKING:
    from bot.kb.embedding import StaticEmbedder

DEFAULT_THRESHOLD = 0.5  # for the shipped intents (which also train an out-of-scope class)
# Below this many examples (the shipped intents have ~400) the embedding is not used: loading it
# costs ~1 s at start, and with few examples the n-grams already separate the intents.
EMBED_MIN_EXAMPLES = 2000
_STATIC_MODEL = Path(__file__).resolve().parents[2] / "knowledge" / "models" / "static-zh-e5s-v1.npz"
_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# How-to / information questions. Strong markers win over request phrasing ("我想问一下怎么退款").
_HOWTO = re.compile(
    r"如何|怎么(?!还|又|回事|搞的)|怎样|咋(?!还)|什么|多久|多长时间|多少|几天|几个工作日|几号|几点|哪(?!怕)|是否|能否|可否|流程|步骤|规则|政策"
    r"|\bhow (do|can|to|long|much|many|does|should)\b|\bwhat('s| is| are| does)\b|\b(where|when|which)\b"
    r"|\b(policy|process|procedure)\b",
    re.IGNORECASE,
)
_REQUEST = re.compile(r"我要|我想要|帮我|给我|麻烦|请(?!问)|\bi want\b|\bi'd like\b|\bi need\b|\bplease\b|"
                      r"\b(can|could|would) you\b", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")  # any letter, Han included
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
# Intents live in the first words; a 4,000-character message is classified on its start so its
# n-grams cost no more than a long question's.
MAX_CHARS = 1000
_WEAK_QUESTION = re.compile(r"[吗么呢][？?]?$|[？?]|^请问|是不是|能不能|可不可以|有没有|会不会"
                            r"|^(can|could|do|does|is|are|will|should) i\b",
                            re.IGNORECASE)


def is_question(text: str) -> bool:
    t = text.strip()
    if _HOWTO.search(t):
        return True
    if _REQUEST.search(t):
        return False
    return bool(_WEAK_QUESTION.search(t))


def is_request(text: str) -> bool:
    """An explicit request to act ("我要退款", "please cancel my order"), not a question."""
    return bool(_REQUEST.search(text.strip())) and not _HOWTO.search(text.strip())


def is_noise(text: str) -> bool:
    """One letter repeated ("aaaa…", "退退退退…"): it asks for nothing, however long. Without this
    4,000 × "退" scored refund_request at 0.99 and opened the refund form."""
    compact = "".join(text.split())
    return len(compact) >= 4 and compact[0].isalpha() and compact.count(compact[0]) == len(compact)


def _tokens(text: str) -> list[str]:
    """Lower-cased words, each Han character on its own (Chinese has no spaces), plus bigrams."""
    toks = _TOKENS.findall(text.lower())
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


@lru_cache(maxsize=1)
def _static_embedder() -> StaticEmbedder | None:
    """Loaded once per process; None when the model file is absent (n-grams alone then)."""
    if not _STATIC_MODEL.is_file():
        return None
    from bot.kb.embedding import StaticEmbedder

    return StaticEmbedder.load(_STATIC_MODEL)


def _softmax(d: np.ndarray, temperature: float) -> np.ndarray:
    z = d * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class IntentClassifier:
    """Fit once, then `predict` is pure (safe to share between conversations and threads)."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, c: float | None = None, temperature: float = 6.0,
                 actions: dict[str, str] | None = None, embed_weight: float = 1.0,
                 embed_min_examples: int = EMBED_MIN_EXAMPLES) -> None:
        self.threshold = threshold
        self.c = c  # None: 1.0 with the embedding features, 0.5 without (chosen on Banking77 train CV)
        self.temperature = temperature
        self.actions = dict(actions or {})
        self.embed_weight = embed_weight
        self.embed_min_examples = embed_min_examples
        self._vectorizer = None
        self._model = None
        self._embedder: StaticEmbedder | None = None
        self.classes: tuple[str, ...] = ()

    @property
    def training_params(self) -> tuple[float | int | None, ...]:
        return (self.threshold, self.c, self.temperature, self.embed_weight, self.embed_min_examples)

    @property
    def uses_embedding(self) -> bool:
        return self._embedder is not None

    @classmethod
    def train(cls, catalog: IntentCatalog, threshold: float = DEFAULT_THRESHOLD,
              cache_dir: Path | None = None) -> IntentClassifier:
        """Train on the catalog; with `cache_dir`, reuse the weights saved there for exactly this
        training set (a warm start skips scikit-learn) and save fresh ones for the next start."""
        texts, labels = catalog.training_data()
        clf = cls(threshold=threshold, actions={i.name: i.action for i in catalog.intents})
        if cache_dir is None:
            return clf.fit(texts, labels)
        path = cache_dir / intent_cache.FILE_NAME
        key = intent_cache.training_key(texts, labels, clf.training_params)
        saved = intent_cache.load(path, key)
        if saved is not None:
            return clf._restore(saved, len(texts))
        clf.fit(texts, labels)
        intent_cache.save(path, key, [(v, idf) for _, v, idf, _ in clf._blocks], clf.classes,
                          clf._intercept, clf._coef_t, clf._coef_dense)
        return clf

    def _restore(self, saved: intent_cache.Loaded, n_examples: int) -> IntentClassifier:
        vocab_idf, self.classes, self._intercept, self._coef_t, self._coef_dense = saved
        analyzers = (_tokens, intent_cache.char_wb_ngrams)
        self._blocks, offset = [], 0
        for analyzer, (vocab, idf) in zip(analyzers, vocab_idf, strict=True):
            self._blocks.append((analyzer, vocab, idf, offset))
            offset += len(vocab)
        use_embedding = self.embed_weight > 0 and n_examples >= self.embed_min_examples
        self._embedder = _static_embedder() if use_embedding else None
        if use_embedding and self._embedder is None:  # the model file went away since training
            raise RuntimeError("intent weights were trained with the static embedding, which is missing")
        return self

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion
        from sklearn.svm import LinearSVC

        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two intents to train the classifier")
        self._vectorizer = FeatureUnion([
            ("words", TfidfVectorizer(analyzer=_tokens, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                      lowercase=True)),
        ])
        texts = list(texts)
        x = self._vectorizer.fit_transform(texts)
        use_embedding = self.embed_weight > 0 and len(texts) >= self.embed_min_examples
        self._embedder = _static_embedder() if use_embedding else None
        if self._embedder is not None:
            dense = self._embedder.embed(texts) * self.embed_weight
            x = sp.hstack([x, sp.csr_matrix(dense)], format="csr")
        c = self.c if self.c is not None else (1.0 if self._embedder is not None else 0.5)
        self._model = LinearSVC(C=c).fit(x, list(labels))
        self.classes = tuple(str(c) for c in self._model.classes_)
        self._compile()
        return self

    def _compile(self) -> None:
        """Copy vocabularies, idf and weights out of scikit-learn: one message through sklearn's
        transform + decision_function costs ~10 ms of validation overhead, this path ~0.1 ms."""
        assert self._vectorizer is not None and self._model is not None
        blocks, offset = [], 0
        # Our own analyzers, equal to the vectorizers' (tested): restored weights need no sklearn.
        for analyzer, (_, vec) in zip((_tokens, intent_cache.char_wb_ngrams), self._vectorizer.transformer_list,
                                      strict=True):
            vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
            blocks.append((analyzer, vocab, vec.idf_.astype(np.float32), offset))
            offset += len(vec.vocabulary_)
        self._blocks = blocks
        coef = self._model.coef_
        if coef.shape[0] == 1:  # binary case: sklearn keeps one row
            coef = np.vstack([-coef, coef])
        intercept = np.atleast_1d(self._model.intercept_)
        self._intercept = (np.concatenate([-intercept, intercept]) if len(intercept) == 1 else intercept)
        coef_t = np.asarray(coef.T, dtype=np.float32)  # (n_features, n_classes)
        self._coef_t = np.ascontiguousarray(coef_t[:offset])
        # The dense block's weights come pre-multiplied by embed_weight, as in training.
        self._coef_dense = np.ascontiguousarray(coef_t[offset:] * self.embed_weight)

    def _decision(self, text: str) -> np.ndarray:
        out = self._intercept.astype(np.float32).copy()
        for analyzer, vocab, idf, offset in self._blocks:
            counts = Counter(f for f in analyzer(text) if f in vocab)
            if not counts:
                continue
            idx = np.fromiter((vocab[f] for f in counts), dtype=np.int64, count=len(counts))
            vals = (1.0 + np.log(np.fromiter(counts.values(), np.float32, len(counts)))) * idf[idx]
            out += (vals / np.linalg.norm(vals)) @ self._coef_t[idx + offset]
        if self._embedder is not None:
            out += self._embedder.embed([text])[0] @ self._coef_dense
        return out

    def _known(self, text: str) -> bool:
        return any(f in vocab for analyzer, vocab, _, _ in self._blocks for f in analyzer(text))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(n, n_classes) calibrated-ish confidences, columns in `classes` order."""
        if not self.classes:
            raise RuntimeError("IntentClassifier is not trained")
        d = np.stack([self._decision(t) for t in texts]) if len(texts) else np.zeros((0, len(self.classes)))
        return _softmax(d, self.temperature)

    def decide(self, probs: np.ndarray) -> list[str | None]:
        """Label per row of `probabilities`, None when out of scope or below the threshold."""
        out: list[str | None] = []
        for row in probs:
            best = int(row.argmax())
            label = self.classes[best]
            out.append(None if label == OOS_LABEL or row[best] < self.threshold else label)
        return out

    def predict(self, text: str) -> IntentResult:
        question = is_question(text)
        text = text[:MAX_CHARS]
        letters = _LETTER.search(text) is not None
        if is_noise(text) or not (letters or _EMOJI.search(text)):
            return IntentResult(None, 0.0, None, question, ())  # digits, punctuation, one letter repeated
        if not letters and not self._known(text):
            # Emoji the examples never showed ("😡"): the intercepts alone would pick a class.
            return IntentResult(None, 0.0, None, question, ())
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs)[:5]
        ranking = tuple((self.classes[i], round(float(probs[i]), 4)) for i in order)
        name = self.decide(probs[None, :])[0]
        confidence = round(float(probs[order[0]]), 4)
        return IntentResult(name, confidence, self.actions.get(name) if name else None, question, ranking)
