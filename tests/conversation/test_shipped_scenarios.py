"""The shipped scenario file stays valid: it loads, names only FAQ ids of the shipped KB, and covers
issue 8's points in Chinese and English (running it is `eval dialogue`, a measurement, not a test)."""

from __future__ import annotations

from collections import Counter

from bot.config import REPO_ROOT
from bot.conversation.scenarios.spec import check_faq_ids, load_scenarios
from bot.kb.faq_file import load_faq_file

SHIPPED = REPO_ROOT / "tests" / "conversation" / "data" / "dialogue_scenarios.yaml"
KB = REPO_ROOT / "knowledge" / "faq.json"
POINTS = ("faq", "form", "answer_offer", "forgiving", "rating", "language", "fallback", "identifiers",
          "order_lookup")


def test_the_shipped_scenarios_load_and_cover_the_points_in_both_languages() -> None:
    spec = load_scenarios(SHIPPED)
    check_faq_ids(spec, {e.id for e in load_faq_file(KB)}, SHIPPED, KB)  # raises on an unknown id
    assert spec.kb is None  # the project's own FAQ file, as configured
    tags = Counter(t for s in spec.scenarios for t in s.tags)
    assert len(spec.scenarios) >= 80
    assert tags["zh"] >= 30 and tags["en"] >= 20
    assert all(tags[p] >= 4 for p in POINTS), {p: tags[p] for p in POINTS}
