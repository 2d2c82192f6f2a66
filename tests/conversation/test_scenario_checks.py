"""Expectations against an observed turn: each failed check is named with expected and actual."""

from __future__ import annotations

from bot.conversation.scenarios.checks import compare
from bot.conversation.scenarios.report import Observed
from bot.conversation.scenarios.spec import EveryTurn, Expect

TURN = Observed(
    state="collecting", route="collect", language="zh", intent="refund_request",
    replies=("抱歉，我好像没能理解。需要为您转接人工客服吗？",), buttons=(("转人工", "转人工"), ("不用了", "不用了")),
)


def checks(expect: Expect, every: EveryTurn | None = None, obs: Observed = TURN) -> list[str]:
    return [m.check for m in compare(expect, every or EveryTurn(), obs)]


def test_a_turn_that_meets_every_expectation_has_no_mismatch() -> None:
    expect = Expect.model_validate({
        "route": ["faq", "collect"], "state": "collecting", "intent": "refund_request", "language": "zh",
        "no_ticket": True, "reply_contains": "人工客服", "reply_contains_any": ["nope", "转接"],
        "reply_not_contains": "order_status", "buttons": ["转人工"], "buttons_not_contain": "faq_0",
    })
    assert compare(expect, EveryTurn(), TURN) == ()


def test_each_failed_expectation_is_reported_with_expected_and_actual() -> None:
    expect = Expect.model_validate({"route": "faq", "state": "bot", "faq": "faq_001", "no_ticket": False,
                                    "reply_contains": "订单号", "buttons": False})
    found = compare(expect, EveryTurn(), TURN)
    assert [m.check for m in found] == ["route", "state", "faq", "no_ticket", "reply_contains", "buttons"]
    assert (found[0].expected, found[0].actual) == ("faq", "collect")
    assert found[2].actual == "no FAQ answer"


def test_text_checks_ignore_case_and_cover_button_labels() -> None:
    obs = Observed(state="bot", route="fallback", replies=("Sorry, I don't have an answer",),
                   buttons=(("Yes, an Agent", "agent"),))
    assert checks(Expect.model_validate({"reply_contains": ["sorry", "an agent"]}), obs=obs) == []
    assert checks(Expect(), EveryTurn(reply_not_contains=("AGENT",)), obs) == ["reply_not_contains"]
    assert checks(Expect(), EveryTurn(buttons_not_contain=("agent",)), obs) == ["buttons_not_contain"]


def test_a_turn_that_could_not_be_played_fails_as_such() -> None:
    obs = Observed(state="bot", error="no button '转人工' offered (no buttons)")
    [only] = compare(Expect(), EveryTurn(), obs)
    assert (only.check, only.actual) == ("turn", "no button '转人工' offered (no buttons)")
