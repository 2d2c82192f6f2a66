"""Expectations against what a turn did: a pure comparison, one Mismatch per failed check."""

from __future__ import annotations

from bot.conversation.scenarios.report import REPLY_PREVIEW, Mismatch, Observed
from bot.conversation.scenarios.spec import EveryTurn, Expect


def _any(values: tuple[str, ...]) -> str:
    return " or ".join(values)


def _preview(text: str) -> str:
    text = " | ".join(text.splitlines())
    return repr(text if len(text) <= REPLY_PREVIEW else text[:REPLY_PREVIEW] + "…")


def read_text(obs: Observed) -> str:
    """Everything the customer read this turn: the replies and the button labels."""
    return "\n".join((*obs.replies, *(label for label, _ in obs.buttons)))


def compare(expect: Expect, every: EveryTurn, obs: Observed) -> tuple[Mismatch, ...]:
    if obs.error is not None:  # nothing to compare: the turn did not happen as written
        return (Mismatch("turn", "the turn can be played", obs.error),)
    out: list[Mismatch] = []
    if expect.route is not None and obs.route not in expect.route:
        out.append(Mismatch("route", _any(expect.route), obs.route or "-"))
    if expect.state is not None and obs.state not in expect.state:
        out.append(Mismatch("state", _any(expect.state), obs.state))
    if expect.faq is not None and obs.faq != expect.faq:
        out.append(Mismatch("faq", expect.faq, obs.faq or "no FAQ answer"))
    if expect.intent is not None and obs.intent != expect.intent:
        out.append(Mismatch("intent", expect.intent, obs.intent or "no intent"))
    if expect.language is not None and obs.language != expect.language:
        out.append(Mismatch("language", expect.language, obs.language or "-"))
    if expect.no_ticket is True and obs.tickets:
        out.append(Mismatch("no_ticket", "no ticket opened", f"opened {', '.join(obs.tickets)}"))
    if expect.no_ticket is False and not obs.tickets:
        out.append(Mismatch("no_ticket", "a ticket opened (no_ticket: false)", "no ticket opened"))
    said = read_text(obs)
    folded = said.casefold()
    for part in expect.reply_contains:
        if part.casefold() not in folded:
            out.append(Mismatch("reply_contains", repr(part), _preview(said) if said else "no reply"))
    if expect.reply_contains_any and not any(p.casefold() in folded for p in expect.reply_contains_any):
        out.append(Mismatch("reply_contains_any", " or ".join(repr(p) for p in expect.reply_contains_any),
                            _preview(said) if said else "no reply"))
    for part in (*expect.reply_not_contains, *every.reply_not_contains):
        if part.casefold() in folded:
            out.append(Mismatch("reply_not_contains", f"no {part!r}", _preview(said)))
    out.extend(_buttons(expect, every, obs))
    return tuple(out)


def _buttons(expect: Expect, every: EveryTurn, obs: Observed) -> list[Mismatch]:
    labels = [label for label, _ in obs.buttons]
    shown = ", ".join(repr(x) for x in labels) or "no buttons"
    out: list[Mismatch] = []
    if expect.buttons is True and not labels:
        out.append(Mismatch("buttons", "some buttons", "no buttons"))
    elif expect.buttons is False and labels:
        out.append(Mismatch("buttons", "no buttons", shown))
    elif isinstance(expect.buttons, tuple):
        for want in expect.buttons:
            if not any(want.casefold() in label.casefold() for label in labels):
                out.append(Mismatch("buttons", f"a button {want!r}", shown))
    for bad in (*expect.buttons_not_contain, *every.buttons_not_contain):
        if any(bad.casefold() in label.casefold() for label in labels):
            out.append(Mismatch("buttons_not_contain", f"no button with {bad!r}", shown))
    return out
