"""Output checks on an LLM reply before a customer sees it. Pure.

Leak check: the system prompt carries a random canary (new per process, see `new_canary`); a
reply containing it, or a long verbatim stretch of the instructions (whitespace and case
folded), is replaced by a polite refusal in the customer's language. The canary catches
paraphrased or translated dumps that keep the reference line; the overlap check catches
verbatim dumps that drop it.

HTML: replies are NOT escaped here. They are plain text end to end — stored as text, returned
inside JSON by the API (application/json, never rendered), and sent as text by the connectors.
Any channel that renders HTML (e.g. the web widget or the agent console) must escape at render
time (textContent, not innerHTML). Nothing in the bot evaluates or renders a reply, so a
`<script>` in a question or a reply stays inert text.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

# A verbatim run this long from our instructions is a leak; shorter runs ("a human agent") are
# ordinary phrases the model may legitimately use.
MIN_LEAK_CHARS = 60
_SHINGLE = 20
_SPACE = re.compile(r"\s+")


def new_canary() -> str:
    return f"ref-{secrets.token_hex(8)}"


@dataclass(frozen=True)
class GuardResult:
    text: str
    leaked: bool
    reason: str | None = None  # "canary" | "overlap"


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def longest_overlap(reply: str, system_prompt: str) -> int:
    """Length of the longest verbatim run (whitespace and case folded) the reply shares with the
    prompt, for runs of at least `_SHINGLE` characters (shorter ones count as 0).

    Linear time: every `_SHINGLE`-character window of the prompt goes into a set, and a run of
    consecutive reply windows found in it is a shared stretch. (difflib took ~60 ms per 2 kB
    reply, blocking the event loop; this takes ~1 ms.)
    """
    a, b = _fold(reply), _fold(system_prompt)
    k = _SHINGLE
    if len(a) < k or len(b) < k:
        return 0
    windows = {b[i : i + k] for i in range(len(b) - k + 1)}
    best = run = 0
    for i in range(len(a) - k + 1):
        run = run + 1 if a[i : i + k] in windows else 0
        best = max(best, run)
    return best + k - 1 if best else 0


def check_reply(reply: str, *, system_prompt: str, canary: str, refusal: str) -> GuardResult:
    """`refusal` is the customer-language text that replaces a leaking reply."""
    if canary and canary.casefold() in _SPACE.sub("", reply).casefold():
        return GuardResult(refusal, True, "canary")
    if longest_overlap(reply, system_prompt) >= MIN_LEAK_CHARS:
        return GuardResult(refusal, True, "overlap")
    return GuardResult(reply, False)
