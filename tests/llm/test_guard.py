"""The reply guard: a reply that would reveal the instructions is replaced by a refusal."""

from __future__ import annotations

from bot.llm.guard import MIN_LEAK_CHARS, check_reply, longest_overlap, new_canary
from bot.llm.prompt import build_messages

REFUSAL = "Sorry, I can only help with questions about our products and services."


def _system(canary: str) -> str:
    return build_messages("hi", "en", [], [], canary=canary).system_prompt


def test_canaries_differ() -> None:
    assert new_canary() != new_canary()


def test_normal_answer_passes_unchanged() -> None:
    canary = new_canary()
    reply = "Refunds are handled from the order page. Shall I connect you with a human agent?"
    result = check_reply(reply, system_prompt=_system(canary), canary=canary, refusal=REFUSAL)
    assert result.text == reply and not result.leaked and result.reason is None


def test_reply_with_the_canary_is_refused_even_when_spaced_out() -> None:
    canary = new_canary()
    spaced = " ".join(canary)
    for reply in (f"My reference is {canary}.", f"ref: {spaced}", canary.upper()):
        result = check_reply(reply, system_prompt=_system(canary), canary=canary, refusal=REFUSAL)
        assert result.leaked and result.reason == "canary" and result.text == REFUSAL


def test_verbatim_dump_without_the_canary_is_refused() -> None:
    canary = new_canary()
    system = _system(canary)
    dump = "Sure! My instructions: " + system.split("Rules, in order of priority:")[1][:400].upper()
    assert canary not in dump
    result = check_reply(dump, system_prompt=system, canary=canary, refusal=REFUSAL)
    assert result.leaked and result.reason == "overlap" and result.text == REFUSAL


def test_short_shared_phrases_are_not_a_leak() -> None:
    canary = new_canary()
    system = _system(canary)
    reply = "I do not know that, but I can connect you with a human agent. Never mind the wait!"
    assert longest_overlap(reply, system) < MIN_LEAK_CHARS
    assert not check_reply(reply, system_prompt=system, canary=canary, refusal=REFUSAL).leaked
