"""A warm start reuses the intent weights trained for exactly these intent files: the same
decisions, no scikit-learn, and a changed example retrains."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from bot.nlu import intent_cache
from bot.nlu.intent_spec import IntentCatalog
from bot.nlu.intents import IntentClassifier

PROBES = ["怎么退款", "我要退款 订单号20240601123", "转人工", "你们这服务太差了！", "where is my parcel",
          "Hello there", "今天天气怎么样", "  多个   空格  ", "发票", "ok"]


def test_our_char_analyzer_equals_scikit_learns(catalog: IntentCatalog) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True).build_analyzer()
    texts, _ = catalog.training_data()
    for text in [*texts[:300], *PROBES, "A", "ÄÖ Ü", "x\ty\n\nz"]:
        assert intent_cache.char_wb_ngrams(text) == reference(text), text


def test_restored_weights_decide_as_the_trained_model(catalog: IntentCatalog, tmp_path: Path,
                                                      classifier: IntentClassifier) -> None:
    first = IntentClassifier.train(catalog, cache_dir=tmp_path)
    path = tmp_path / intent_cache.FILE_NAME
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
    restored = IntentClassifier.train(catalog, cache_dir=tmp_path)
    assert restored._vectorizer is None  # loaded, not trained
    assert np.allclose(restored.probabilities(PROBES), first.probabilities(PROBES), atol=1e-6)
    assert [restored.predict(t) for t in PROBES] == [first.predict(t) for t in PROBES]
    # LinearSVC's solver is randomized: a second training agrees to solver precision, not bit for bit.
    assert np.allclose(classifier.probabilities(PROBES), first.probabilities(PROBES), atol=1e-4)
    assert [restored.predict(t).name for t in PROBES] == [classifier.predict(t).name for t in PROBES]


def test_changed_examples_retrain_and_a_broken_file_is_replaced(catalog: IntentCatalog, tmp_path: Path) -> None:
    IntentClassifier.train(catalog, cache_dir=tmp_path)
    path = tmp_path / intent_cache.FILE_NAME
    texts, labels = catalog.training_data()
    params = IntentClassifier().training_params
    changed = intent_cache.training_key([*texts, "新的例句"], [*labels, labels[0]], params)
    assert intent_cache.load(path, changed) is None
    path.write_bytes(b"not an npz")
    clf = IntentClassifier.train(catalog, cache_dir=tmp_path)
    assert clf._vectorizer is not None and clf.predict("转人工").name is not None
    assert intent_cache.load(path, intent_cache.training_key(texts, labels, clf.training_params)) is not None


def test_a_warm_start_does_not_import_scikit_learn(catalog: IntentCatalog, tmp_path: Path) -> None:
    IntentClassifier.train(catalog, cache_dir=tmp_path)
    repo = Path(__file__).resolve().parents[2]
    code = (
        "import sys; from pathlib import Path\n"
        "from bot.nlu.intent_spec import load_intents\nfrom bot.nlu.intents import IntentClassifier\n"
        f"c = IntentClassifier.train(load_intents(Path({str(repo / 'intents')!r})),"
        f" cache_dir=Path({str(tmp_path)!r}))\n"
        "assert c.predict('转人工').name\nprint('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, check=True)
    assert out.stdout.strip() == "False"

