"""Which LLM answers a human must confirm: money, refunds, compensation, legal matters.

Pure keyword rules per topic (Chinese and English), checked on the question and the answer
together: a model answer about a refund is reviewed even if the customer never said "refund".
Deliberately over-inclusive — a needless review costs an agent a glance, a wrong promise of
money costs much more. English words match on word boundaries ("sue" is not in "issue").
Topics are chosen by name in `ai.review_topics`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.config import ConfigError

_NUM = r"[0-9０-９一二三四五六七八九十百千万两几]"

# Chinese has no word boundaries: plain substrings, except 元 which needs an amount before it
# (单元, 元旦 are not money).
TOPIC_PATTERNS: dict[str, str] = {
    "refund": r"退款|退钱|退货款|退费|\brefund\w*|\bmoney back\b|\bchargeback",
    "money": (
        r"钱|金额|价格|费用|收费|扣款|多少元|[¥￥]|" + _NUM + r"\s*[元块]|"
        r"\bprices?\b|\bpricing\b|\bcosts?\b|\bcharge[sd]?\b|\bfees?\b|\bmoney\b|\bpay(ment|ments)?\b|"
        r"\$\s*\d|\b(usd|rmb|cny|eur)\b"
    ),
    "compensation": r"赔偿|补偿|赔付|赔钱|\bcompensat\w*|\breimburs\w*",
    "legal": (
        r"法律|律师|起诉|诉讼|投诉到|消协|消费者协会|12315|法院|"
        r"\blawyers?\b|\blegal\b|\bsue[ds]?\b|\bsuing\b|\blawsuits?\b|\battorneys?\b|\bcourt\b"
    ),
}
_COMPILED = {name: re.compile(p, re.IGNORECASE) for name, p in TOPIC_PATTERNS.items()}


def validate_topics(topics: Iterable[str]) -> tuple[str, ...]:
    """The configured topic names, checked; an unknown one is a config error naming the key."""
    chosen = tuple(dict.fromkeys(topics))
    unknown = [t for t in chosen if t not in _COMPILED]
    if unknown:
        raise ConfigError(
            f"ai.review_topics: unknown topic(s) {', '.join(unknown)}; choose from {', '.join(_COMPILED)}"
        )
    return chosen


def needs_review(question: str, answer: str, topics: Iterable[str]) -> list[str]:
    """The configured topics the exchange touches, in configuration order (empty: no review)."""
    text = f"{question}\n{answer}"
    return [t for t in validate_topics(topics) if _COMPILED[t].search(text)]
