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


def _rules(system: str) -> str:
    return system.split("Rules, in order of priority:")[1]


def _refused(reply: str, system: str, canary: str) -> bool:
    result = check_reply(reply, system_prompt=system, canary=canary, refusal=REFUSAL)
    return result.leaked and result.text == REFUSAL


def test_dump_with_hyphens_between_letters_is_refused() -> None:
    canary = new_canary()
    system = _system(canary)
    dump = "-".join(_rules(system)[:300])
    assert _refused(dump, system, canary)


def test_dump_with_zero_width_spaces_or_full_width_letters_is_refused() -> None:
    canary = new_canary()
    system = _system(canary)
    rules = _rules(system)[:300]
    assert _refused("\u200b".join(rules), system, canary)
    assert _refused("\u2060".join(rules.split(" ")), system, canary)  # word joiner instead of spaces
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in rules)
    assert _refused(full_width, system, canary)


def test_dump_in_40_character_chunks_is_refused_even_out_of_order() -> None:
    canary = new_canary()
    system = _system(canary)
    rules = _rules(system)
    chunks = [rules[i : i + 40] for i in range(0, 600, 40)]
    numbered = "\n".join(f"Part {n}: «{c}»" for n, c in enumerate(chunks, 1))
    assert _refused(numbered, system, canary)
    shuffled = " | ".join(chunks[::-2])  # every other chunk, backwards: no long stretch at all
    assert longest_overlap(shuffled, system) < MIN_LEAK_CHARS
    assert _refused(shuffled, system, canary)


def test_the_phrases_the_rules_ask_for_are_not_a_leak() -> None:
    canary = new_canary()
    system = _system(canary)
    for reply in (
        "I do not know that, but a human colleague will confirm such matters. "
        "I can only help with customer-service questions.",
        "我不知道这个问题的答案，我可以为您转接人工客服。",
        "Refunds: open the order page and tap Refund. A human agent can help with anything else.",
    ):
        assert not check_reply(reply, system_prompt=system, canary=canary, refusal=REFUSAL).leaked, reply
