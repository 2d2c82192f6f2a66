"""Output checks on an LLM reply before a customer sees it. Pure.

Leak check: the system prompt carries a random canary (new per process, see `new_canary`); a
reply containing it, or stretches of the instructions (compared normalized: NFKC, without
zero-width characters, punctuation, whitespace or case), is replaced by a polite refusal in the
customer's language. The canary catches paraphrased or translated dumps that keep the reference
line; the n-gram overlap check catches dumps that drop it, spelled out, chunked or reordered.

HTML: replies are NOT escaped here. They are plain text end to end — stored as text, returned
inside JSON by the API (application/json, never rendered), and sent as text by the connectors.
Any channel that renders HTML (e.g. the web widget or the agent console) must escape at render
time (textContent, not innerHTML). Nothing in the bot evaluates or renders a reply, so a
`<script>` in a question or a reply stays inert text.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

# Text is compared normalized (see `normalize`): NFKC, no zero-width/format characters, no
# punctuation, symbols or whitespace, case folded — so a dump with hyphens between the letters,
# zero-width spaces or full-width letters reads the same as the prompt itself.
# One run this long (normalized characters) shared with our instructions is a leak; shorter runs
# ("with a human agent") are ordinary phrases the model may legitimately use.
MIN_LEAK_CHARS = 50
# A dump cut into pieces (40-character chunks, numbered lines, chunks out of order) shares many
# medium runs instead of one long one: runs of at least MIN_RUN_CHARS adding up to MIN_TOTAL_CHARS
# are a leak too. The rules tell the model to say a couple of prompt phrases ("I can only help
# with customer-service questions", "a human colleague will confirm"), which stay well below.
MIN_RUN_CHARS = 24
MIN_TOTAL_CHARS = 100
_NGRAM = 12
_DROP_CATEGORIES = ("C", "P", "S", "Z")  # control/format (zero-width), punctuation, symbols, separators


def new_canary() -> str:
    return f"ref-{secrets.token_hex(8)}"


@dataclass(frozen=True)
class GuardResult:
    text: str
    leaked: bool
    reason: str | None = None  # "canary" | "overlap"


def normalize(text: str) -> str:
    """NFKC, then drop format (zero-width), control, punctuation, symbol and space characters; casefold."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if not unicodedata.category(c).startswith(_DROP_CATEGORIES))


def shared_runs(reply: str, system_prompt: str) -> list[int]:
    """Lengths (normalized characters) of the maximal stretches of the reply made of `_NGRAM`-grams
    that also occur in the prompt. Linear time: the prompt's n-grams go into a set, and a run of
    consecutive reply n-grams found in it is one shared stretch."""
    a, b = normalize(reply), normalize(system_prompt)
    k = _NGRAM
    if len(a) < k or len(b) < k:
        return []
    grams = {b[i : i + k] for i in range(len(b) - k + 1)}
    runs: list[int] = []
    run = 0
    for i in range(len(a) - k + 1):
        if a[i : i + k] in grams:
            run += 1
        elif run:
            runs.append(run + k - 1)
            run = 0
    if run:
        runs.append(run + k - 1)
    return runs


def longest_overlap(reply: str, system_prompt: str) -> int:
    """The longest stretch (normalized characters) the reply shares with the prompt; 0 below `_NGRAM`."""
    return max(shared_runs(reply, system_prompt), default=0)


def leaks(reply: str, system_prompt: str) -> bool:
    runs = shared_runs(reply, system_prompt)
    return max(runs, default=0) >= MIN_LEAK_CHARS or sum(r for r in runs if r >= MIN_RUN_CHARS) >= MIN_TOTAL_CHARS


def check_reply(reply: str, *, system_prompt: str, canary: str, refusal: str) -> GuardResult:
    """`refusal` is the customer-language text that replaces a leaking reply."""
    if canary and normalize(canary) in normalize(reply):
        return GuardResult(refusal, True, "canary")
    if leaks(reply, system_prompt):
        return GuardResult(refusal, True, "overlap")
    return GuardResult(reply, False)
