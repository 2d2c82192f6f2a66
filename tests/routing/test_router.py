"""The router is pure: typed results + conversation in, decision out. Precedence is configurable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import REPO_ROOT, ROUTING_RULES
from bot.conversation.model import Conversation
from bot.kb.faq import FaqEntry
from bot.kb.results import KBResult
from bot.nlu.analysis import Analysis
from bot.nlu.intent_spec import load_intents
from bot.nlu.results import IntentResult, LanguageResult, SentimentResult
from bot.routing.policy import RoutingPolicy, is_cancel
from bot.routing.router import decide

CATALOG = load_intents(REPO_ROOT / "intents")
REFUND_FAQ = FaqEntry(id="faq_001", question="如何申请退款？", answers={"zh": "..."})


def policy(**changes: object) -> RoutingPolicy:
    base = RoutingPolicy(
        catalog=CATALOG, threshold=0.5, precedence=ROUTING_RULES, transactional_confidence=0.5,
        fallbacks_before_handoff=2, complaint_handoff=True, negative_sentiment_ticket=True, llm_enabled=False,
    )
    return replace(base, **changes)


def analysis(
    text: str = "x", *, intent: str | None = None, confidence: float = 0.9, question: bool = False,
    faq_score: float | None = None, sentiment: str = "neutral", strong: bool = False,
) -> Analysis:
    spec = CATALOG.get(intent) if intent else None
    i = IntentResult(intent, confidence, spec.action if spec else None, question, ((intent or "oos", confidence),))
    kb = (KBResult(REFUND_FAQ, faq_score, REFUND_FAQ.question, faq_score >= 0.5),) if faq_score is not None else ()
    s = SentimentResult(sentiment, -0.9 if strong else 0.0, strong)
    return Analysis(text, LanguageResult("zh", 1.0, "script"), s, i, kb)


def conv(state: str = "bot", **kw: object) -> Conversation:
    return replace(Conversation("c1", "cust", "api", state, "zh"), **kw)


def test_how_to_question_goes_to_faq_but_request_starts_the_flow() -> None:
    how = decide(analysis("如何退款", intent="refund_request", question=True, faq_score=0.9), conv(), policy())
    # answered from the KB, and the refund offered after the answer
    assert (how.route, how.action, how.faq_id, how.intent) == ("faq", "answer_and_offer", "faq_001", "refund_request")
    want = decide(analysis("我要退款", intent="refund_request", faq_score=0.7), conv(), policy())
    assert (want.route, want.action, want.intent) == ("collect", "start_flow", "refund_request")


def test_low_confidence_intent_does_not_start_a_flow() -> None:
    d = decide(analysis("退", intent="refund_request", confidence=0.3), conv(), policy())
    assert d.route == "fallback"


def test_human_request_wins_even_while_collecting() -> None:
    d = decide(analysis("转人工", intent="human_agent"), conv("collecting", flow="refund_request"), policy())
    assert (d.route, d.action) == ("handoff", "handoff")


def test_relay_while_a_human_handles_the_conversation() -> None:
    for state in ("queued", "agent"):
        d = decide(analysis("转人工", intent="human_agent"), conv(state), policy())
        assert (d.route, d.action) == ("relay", "relay")


def test_rating_state_collects_the_rating() -> None:
    d = decide(analysis("5"), conv("rating"), policy())
    assert (d.route, d.action, d.leaves_survey, d.rating) == ("collect", "rating", False, 5)


@pytest.mark.parametrize(
    ("a", "route", "served_by"),
    [
        (analysis("转人工", intent="human_agent"), "handoff", "handoff"),
        (analysis("我要退款", intent="refund_request"), "collect", "start_flow"),
        (analysis("怎么开发票", question=True, faq_score=0.8), "faq", "faq"),
    ],
)
def test_a_real_request_instead_of_a_rating_leaves_the_survey(a: Analysis, route: str, served_by: str) -> None:
    d = decide(a, conv("rating", slots={"_rating": {"agent_id": "alice"}}), policy())
    # The manager reopens the conversation (survey left unrated), then the served action runs:
    # one turn, nothing swallowed.
    assert (d.route, d.action, d.leaves_survey) == (route, served_by, True)
    assert d.reason.startswith("left the rating survey: ") and d.scores


@pytest.mark.parametrize(
    "a",
    [
        analysis("我要投诉", intent="complaint"),  # feedback on the chat: a survey turn opens no ticket
        analysis("我要投诉", intent="complaint", faq_score=0.8),  # nor does a loose FAQ match answer it
        analysis("人工客服刚才回复过我了", intent="human_agent"),  # about the chat, not a request for one
    ],
)
def test_complaints_and_feedback_in_the_survey_stay_in_the_survey(a: Analysis) -> None:
    d = decide(a, conv("rating", slots={"_rating": {"agent_id": "alice"}}), policy())
    assert (d.route, d.action, d.leaves_survey, d.rating) == ("collect", "rating", False, None)


@pytest.mark.parametrize("a", [analysis("嗯"), analysis("你好", intent="greeting"), analysis("好的，谢谢")])
def test_small_talk_or_an_unclear_answer_keeps_the_survey(a: Analysis) -> None:
    d = decide(a, conv("rating"), policy())
    assert (d.action, d.leaves_survey) == ("rating", False)


def test_a_rating_that_looks_like_a_request_is_still_a_rating() -> None:
    # "不满意" may classify as a complaint; as an answer to the survey it is a score of 2.
    d = decide(analysis("不满意", intent="complaint"), conv("rating"), policy())
    assert (d.action, d.leaves_survey, d.rating) == ("rating", False, 2)


@pytest.mark.parametrize("text", ["算了", "取消", "不用了", "never mind", "cancel"])
def test_cancel_while_queued_leaves_the_queue(text: str) -> None:
    d = decide(analysis(text), conv("queued"), policy())
    assert (d.route, d.action, d.leave_queue) == ("handoff", "relay", True)


def test_cancel_with_an_agent_is_relayed_to_them() -> None:
    d = decide(analysis("算了"), conv("agent", agent_id="alice"), policy())
    assert (d.route, d.action, d.leave_queue) == ("relay", "relay", False)


def test_complaint_and_strong_negative_sentiment_open_tickets_with_priority() -> None:
    d = decide(analysis("我要投诉", intent="complaint"), conv(), policy())
    assert (d.route, d.action, d.priority, d.handoff_after) == ("ticket", "complaint_ticket", "high", True)
    angry = decide(analysis("太差了！！", sentiment="negative", strong=True), conv(), policy())
    assert (angry.route, angry.priority) == ("ticket", "high")
    both = decide(analysis("垃圾服务我要投诉", intent="complaint", strong=True), conv(), policy())
    assert both.priority == "urgent"
    off = decide(analysis("太差了", strong=True), conv(), policy(negative_sentiment_ticket=False))
    assert off.route == "fallback"
    no_handoff = decide(analysis("我要投诉", intent="complaint"), conv(), policy(complaint_handoff=False))
    assert no_handoff.handoff_after is False


def test_a_problem_the_knowledge_base_answers_gets_the_answer_not_a_ticket() -> None:
    d = decide(analysis("退款一直没到账怎么办", intent="complaint", faq_score=0.8), conv(), policy())
    assert (d.route, d.faq_id) == ("faq", "faq_001")
    upset = decide(analysis("退款太慢了！！", sentiment="negative", strong=True, faq_score=0.8), conv(), policy())
    assert upset.route == "faq"
    # Said angrily *and* as a complaint: a confident answer comes with an apology and a human…
    angry = decide(analysis("垃圾服务我要投诉退款", intent="complaint", strong=True, faq_score=0.9), conv(), policy())
    assert (angry.route, angry.action, angry.faq_id) == ("faq", "answer_and_offer_human", "faq_001")
    # …a loose one opens a ticket.
    loose = decide(analysis("垃圾服务我要投诉退款", intent="complaint", strong=True, faq_score=0.6), conv(), policy())
    assert loose.route == "ticket"


def test_collecting_fills_slots_cancels_and_answers_side_questions() -> None:
    c = conv("collecting", flow="refund_request")
    assert decide(analysis("20240601123456"), c, policy()).action == "fill_slot"
    assert decide(analysis("算了"), c, policy()).action == "cancel_flow"
    side = decide(analysis("运费怎么算", question=True, faq_score=0.8), c, policy())
    assert (side.route, side.action) == ("faq", "faq_in_flow")


def test_consecutive_fallbacks_offer_a_human_instead_of_imposing_one() -> None:
    first = decide(analysis("火星"), conv(fallback_count=0), policy())
    assert first.route == "fallback"
    second = decide(analysis("火星"), conv(fallback_count=1), policy())
    assert (second.route, second.action) == ("fallback", "offer_human") and "2 fallbacks" in second.reason
    declined = decide(analysis("不用了"), conv(fallback_count=2), policy())
    assert declined.action == "human_declined"


def test_llm_answers_when_configured_instead_of_fallback() -> None:
    d = decide(analysis("你们和别家比有什么优势"), conv(), policy(llm_enabled=True))
    assert d.route == "llm"


def test_smalltalk_after_faq() -> None:
    assert decide(analysis("你好", intent="greeting"), conv(), policy()).route == "smalltalk"


def test_precedence_is_configurable() -> None:
    faq_first = ("relay", "rating", "faq", "human_request", "complaint", "collecting", "transactional",
                 "smalltalk", "llm", "fallback")
    a = analysis("我要退款", intent="refund_request", faq_score=0.7)
    assert decide(a, conv(), policy()).route == "collect"
    assert decide(a, conv(), policy(precedence=faq_first)).route == "faq"


def test_every_decision_carries_reason_and_scores() -> None:
    d = decide(analysis("我要退款", intent="refund_request", faq_score=0.7), conv(), policy())
    assert d.reason and d.scores["intent"]["name"] == "refund_request"
    assert d.scores["faq_top"] == {"id": "faq_001", "score": 0.7}


@pytest.mark.parametrize(("text", "cancel"), [("取消", True), ("算了。", True), ("cancel", True),
                                              ("取消订单", False), ("never mind", True)])
def test_cancel_phrases(text: str, cancel: bool) -> None:
    assert is_cancel(text) is cancel


def test_unknown_rule_in_config_is_refused(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_settings
    from tests.conftest import write_project

    path = write_project(tmp_path, {"dialogue": {"precedence": ["faq", "magic", "fallback"]}})
    with pytest.raises(ConfigError, match=r"dialogue\.precedence.*magic"):
        load_settings(path, env={})


def test_a_kb_question_about_agents_is_answered_not_queued() -> None:
    # "人工客服几点上班" is a question of the KB (score 1.0) that the intent model reads as human_agent.
    asked = decide(analysis("人工客服几点上班", intent="human_agent", faq_score=1.0), conv(), policy())
    assert (asked.route, asked.action) == ("faq", "faq")
    # An explicit request still hands off, even when the KB lists it too ("转人工" in 怎么联系人工客服).
    explicit = decide(analysis("转人工", intent="human_agent", faq_score=1.0), conv(), policy())
    assert (explicit.route, explicit.action) == ("handoff", "handoff")
    # Only the KB's own questions count: a loose match does not outrank the request.
    loose = decide(analysis("我要和真人说话", intent="human_agent", faq_score=0.8), conv(), policy())
    assert loose.route == "handoff"


def test_a_kb_question_mid_form_is_a_side_question_without_a_question_mark() -> None:
    form = conv("collecting", flow="refund_request", slots={"_pending": "order_id"})
    d = decide(analysis("what payment methods do you accept", faq_score=1.0), form, policy())
    assert (d.route, d.action) == ("faq", "faq_in_flow")
    # Anything else that is no order number is still an invalid answer (one attempt counted).
    other = decide(analysis("my order", faq_score=0.7), form, policy())
    assert other.action == "fill_slot"


def test_an_order_question_with_its_number_is_looked_up_even_when_a_faq_matches() -> None:
    # "订单…怎么还没发货" also matches a shipping FAQ; the order's own status answers it better.
    with_number = decide(analysis("订单2024120112345怎么还没发货", intent="order_status", question=True,
                                  faq_score=0.9), conv(), policy(order_lookup=True))
    assert (with_number.route, with_number.action, with_number.intent) == ("collect", "start_flow", "order_status")
    # without a number the FAQ answers and the lookup is offered, as for any flow
    without = decide(analysis("怎么还没发货", intent="order_status", question=True, faq_score=0.9), conv(),
                     policy(order_lookup=True))
    assert (without.route, without.action) == ("faq", "answer_and_offer")
    # only lookup flows: a refund question with its number is still answered from the KB first
    refund = decide(analysis("订单2024120112345如何退款", intent="refund_request", question=True, faq_score=0.9),
                    conv(), policy(order_lookup=True))
    assert refund.action == "answer_and_offer"


def test_without_an_order_hook_the_faq_answers_and_no_lookup_is_offered() -> None:
    # "给13700002222充的钱怎么还没到": a number and a confident FAQ; with nothing to look in, the FAQ
    # answer is worth more than "see the app", and offering a lookup that cannot look would mislead.
    d = decide(analysis("订单2024120112345怎么还没发货", intent="order_status", question=True, faq_score=0.9),
               conv(), policy())
    assert (d.route, d.action) == ("faq", "faq")
    # a loose match is no better than the guidance the flow gives (where to see it, a human)
    loose = decide(analysis("订单2024120112345到哪了", intent="order_status", question=True, faq_score=0.7),
                   conv(), policy())
    assert (loose.route, loose.action) == ("collect", "start_flow")
