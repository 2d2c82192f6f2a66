"""The router: a pure function from the turn's typed results and the conversation to a Decision.

Rules are tried in the configured precedence (`dialogue.precedence`); the first that applies
decides. Every decision carries its reason and the scores it looked at, and is stored, so "why
did the bot say that" is always answerable. No I/O here: actions do it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.conversation.model import Conversation
from bot.core.events import Route
from bot.csat.parse import parse_rating
from bot.nlu import repairs
from bot.nlu.analysis import Analysis
from bot.nlu.intents import is_request
from bot.routing.policy import OFFER_FLOW, OFFER_HUMAN, RoutingPolicy, is_cancel, is_skip, pending_slot


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    action: str  # which action runs (a route can be served by several actions)
    reason: str
    scores: dict[str, Any] = field(default_factory=dict)
    faq_id: str | None = None
    intent: str | None = None
    priority: str | None = None
    handoff_after: bool = False  # hand the conversation to a human once the action is done
    # The customer moved on from an unanswered survey: it is left unrated (the conversation is
    # reopened) before the decided action serves the message.
    leaves_survey: bool = False
    rating: int | None = None  # the parsed 1–5 score of a `rating` decision
    leave_queue: bool = False  # set on a `relay` decision: the waiting customer cancelled the handoff


Rule = Callable[[Analysis, Conversation, RoutingPolicy], "Decision | None"]


def _intent(a: Analysis, action: str | None = None) -> str | None:
    i = a.intent
    if i is None or i.name is None or (action is not None and i.action != action):
        return None
    return i.name


def _kb_question(a: Analysis) -> bool:
    """The message is one of the KB's own questions (an exact or near-exact match scores 1.0), so
    it is a question whatever its punctuation: "what payment methods do you accept" has no "?",
    and "人工客服几点上班" asks about agents; neither wants a form answer or a queue."""
    m = a.faq_match
    return m is not None and m.score >= 1.0


def relay(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    if conv.state == "queued" and is_cancel(a.text):
        # Still waiting (the action checks no agent took it meanwhile): "算了" leaves the queue.
        return Decision("handoff", "relay", "customer cancelled the handoff while queued", leave_queue=True)
    if conv.state in ("queued", "agent"):
        return Decision("relay", "relay", f"conversation is {conv.state}: a human handles it")
    return None


# Rules that outrank an unanswered survey: a customer who asks something real instead of rating
# gets it served now, not "please reply 1-5" (the survey is then dropped: they moved on). Small
# talk and fallbacks do not count, and neither do complaints: feedback on the chat that just
# ended ("服务太慢了", "the agent was great") is what the survey is for, so a survey turn never
# opens a ticket, and only an explicit "转人工" (not "人工客服很耐心") queues the customer again.
LEAVE_RATING_RULES = ("human_request", "transactional", "faq")


def rating(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    if conv.state != "rating":
        return None
    score = parse_rating(a.text)
    if score is None:
        # Judged as the conversation the manager will serve it in: reopened, survey left unrated.
        fresh = p.machine.reopen(conv)
        for name in (r for r in p.precedence if r in LEAVE_RATING_RULES):
            if name == "human_request" and not repairs.is_human_request(a.text):
                continue
            if name == "faq" and _intent(a, "create_ticket"):
                continue  # "我要投诉" is feedback here, not a question a loose FAQ match answers
            served = RULES[name](a, fresh, p)
            if served is not None:
                return replace(served, leaves_survey=True, reason=f"left the rating survey: {served.reason}")
    return Decision("collect", "rating", "waiting for the customer's satisfaction rating", rating=score)


def human_request(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    name = _intent(a, "handoff")
    if name and _kb_question(a) and not repairs.is_human_request(a.text):
        return None  # a question the KB holds ("人工客服几点上班"); "转人工" itself still hands off
    if name and not repairs.is_no(a.text):  # "不用转人工" says the opposite
        return Decision("handoff", "handoff", f"customer asked for a human ({name})", intent=name)
    return None


# A near-certain FAQ match: an angry complaint it answers gets the answer instead of a ticket, and
# an order question with its number gets it instead of the no-hook guidance.
NEAR_CERTAIN = 0.8


def complaint(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    if repairs.is_cancel(a.text) or repairs.is_ack(a.text):
        return None  # "算了", "不想退了", "好吧" end or acknowledge something; they are no complaint
    name = _intent(a, "create_ticket")
    strong = bool(a.sentiment and a.sentiment.strongly_negative and p.negative_sentiment_ticket)
    if not name and not strong:
        return None
    if a.faq_match is not None and not (name and strong):
        # "少了个菜咋整" has an answer in the KB: the customer gets it, not a ticket number. Only
        # a complaint said angrily opens a ticket over a matching FAQ.
        return None
    m = a.faq_match
    if m is not None and m.score >= max(p.threshold, NEAR_CERTAIN):
        # "网速慢得要死…你们管不管！" is angry, yet the KB holds the fix: answer it, apologise and
        # offer a human at once, rather than a ticket number and a queue for a solved problem.
        return Decision("faq", "answer_and_offer_human",
                        f"angry complaint ({name}) the knowledge base answers ({m.score:.2f})",
                        faq_id=m.entry.id, intent=name)
    spec = p.catalog.get(name) if name else None
    priority = "urgent" if strong and name else "high" if strong else (spec.priority if spec else "normal")
    why = f"intent {name}" if name else "strongly negative sentiment"
    if name and strong:
        why += " with strongly negative sentiment"
    return Decision("ticket", "complaint_ticket", why, intent=name or "complaint", priority=priority,
                    handoff_after=p.complaint_handoff)


def collecting(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    if conv.state != "collecting":
        return None
    spec = p.catalog.get(conv.flow or "")
    slot = pending_slot(spec, conv.slots) if spec else None
    given = slot is not None and (slot.find(a.text) is not None or
                                  (slot.pattern is not None and slot.validate_value(a.text)))
    if conv.slots.get(OFFER_HUMAN) and not given:  # "需要为您转接人工客服吗？" is waiting for an answer
        if repairs.is_yes(a.text):
            return Decision("handoff", "accept_human", "customer accepted the offered human agent", intent=conv.flow)
        if repairs.is_no(a.text):
            return Decision("collect", "decline_human", "customer declined the offered human agent", intent=conv.flow)
    if is_cancel(a.text) and not (slot is not None and not slot.required and is_skip(a.text)):
        return Decision("collect", "cancel_flow", "customer cancelled the form", intent=conv.flow)
    if slot is not None and not given:
        if repairs.is_ack(a.text) and not (not slot.required and is_skip(a.text)):
            # "谢谢", "好的", "你好": not an answer, not a mistake. Ask again, kindly; no attempt counted.
            return Decision("collect", "reprompt_slot", f"acknowledgement while collecting {slot.name}",
                            intent=conv.flow)
        if (a.intent is not None and a.intent.is_question) or _kb_question(a):
            # A side question while a form is open: answer it (or say we can't), then ask again.
            if a.faq_match is not None:
                return Decision("faq", "faq_in_flow", f"question while collecting {slot.name}",
                                faq_id=a.faq_match.entry.id, intent=conv.flow)
            return Decision("collect", "question_in_flow", f"unanswered question while collecting {slot.name}",
                            intent=conv.flow)
    return Decision("collect", "fill_slot", f"collecting slots for {conv.flow}", intent=conv.flow)


def _flow_fits(a: Analysis, p: RoutingPolicy) -> str | None:
    i = a.intent
    if i is None or i.name is None or i.action != "flow" or i.confidence < p.transactional_confidence:
        return None
    return i.name


def _lookup_ready(a: Analysis, p: RoutingPolicy, flow: str) -> bool:
    """A lookup flow whose message already holds every required slot ("订单2024120112345怎么还没
    发货"): the order's own status answers it better than a general FAQ, and asks nothing again."""
    spec = p.catalog.get(flow)
    if spec is None or spec.lookup is None or not all(s.find(a.text) is not None for s in spec.slots if s.required):
        return False
    # Without a hook the flow can only say where to look: a near-certain FAQ answer ("给137…充的钱
    # 怎么还没到" → the top-up FAQ) is worth more, a loose one (a refund entry for "订单…到哪了") is not.
    m = a.faq_match
    return p.order_lookup or m is None or m.score < NEAR_CERTAIN


def transactional(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    offered = conv.slots.get(OFFER_FLOW) if conv.state != "collecting" else None
    if isinstance(offered, dict) and p.catalog.get(str(offered.get("flow"))) is not None:
        # "需要我现在帮您发起退款吗？" was asked last turn: a yes starts that flow, a no is taken.
        if repairs.is_yes(a.text) and not repairs.is_no(a.text):
            return Decision("collect", "accept_offer", f"customer accepted the offered {offered['flow']}",
                            intent=offered["flow"])
        if repairs.is_no(a.text):
            return Decision("smalltalk", "decline_offer", f"customer declined the offered {offered['flow']}",
                            intent=offered["flow"])
    name = _flow_fits(a, p)
    if name is None:
        return None
    i = a.intent
    assert i is not None
    if a.faq_match is not None and (i.is_question or not is_request(a.text)) and not _lookup_ready(a, p, name):
        # "如何退款" is a how-to question for the FAQ, "我要退款" a request; "话费没充上 退款要几天"
        # asks nothing explicitly and the KB answers it, so the answer comes before any form
        # (and the faq rule offers the form).
        return None
    return Decision("collect", "start_flow", f"intent {name} ({i.confidence:.2f})", intent=name)


def faq(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    m = a.faq_match
    if m is None:
        return None
    why = f"knowledge base match {m.score:.2f} >= threshold {p.threshold:.2f}"
    flow = _flow_fits(a, p) if conv.state != "collecting" else None
    spec = p.catalog.get(flow) if flow else None
    if spec is not None and spec.offer and (spec.lookup is None or p.order_lookup):
        # A lookup flow is offered only with a hook to look in: else it could only say "see the app".
        # How-to and act both fit ("退款要多久到账"): answer, then offer to start the refund.
        return Decision("faq", "answer_and_offer", f"{why}; offering {flow}", faq_id=m.entry.id, intent=flow)
    return Decision("faq", "faq", why, faq_id=m.entry.id, intent=_intent(a))


def smalltalk(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    if conv.fallback_count > 0 and (repairs.is_no(a.text) or repairs.is_cancel(a.text)):
        return None  # "不用了" to "需要为您转接人工客服吗？" declines the agent (fallback rule), no "再见"
    name = _intent(a, "smalltalk")
    return Decision("smalltalk", "smalltalk", f"small talk ({name})", intent=name) if name else None


def llm(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision | None:
    if not p.llm_enabled or conv.fallback_count + 1 >= p.fallbacks_before_handoff:
        return None  # after repeated failures the fallback rule hands the customer to a human
    return Decision("llm", "llm", "no confident FAQ or intent; the LLM answers from the knowledge base",
                    intent=_intent(a))


def fallback(a: Analysis, conv: Conversation, p: RoutingPolicy) -> Decision:
    top = a.kb_results[0] if a.kb_results else None
    why = f"best knowledge base score {top.score:.2f} < threshold {p.threshold:.2f}" if top else "no candidate"
    if conv.fallback_count > 0 and (repairs.is_no(a.text) or repairs.is_cancel(a.text)):
        # "不用了" after "需要为您转接人工客服吗？": the customer stays with the bot.
        return Decision("fallback", "human_declined", f"customer declined an agent after fallbacks ({why})")
    if repairs.normalize(a.text) and repairs.is_ack(a.text):
        # "ok", "merci", "好的": nothing was asked, so nothing was misunderstood; no step towards a
        # human. Bare punctuation or emoji ("?", 😡😡😡) stay a miss.
        return Decision("smalltalk", "acknowledge", "acknowledgement")
    if conv.fallback_count + 1 >= p.fallbacks_before_handoff:
        # Offered, not imposed: the buttons send "转人工", which the human_request rule serves.
        return Decision("fallback", "offer_human", f"{conv.fallback_count + 1} fallbacks in a row ({why})")
    return Decision("fallback", "fallback", why)


RULES: dict[str, Rule] = {
    "relay": relay, "rating": rating, "human_request": human_request, "complaint": complaint,
    "collecting": collecting, "transactional": transactional, "faq": faq, "smalltalk": smalltalk,
    "llm": llm, "fallback": fallback,
}


def scores_of(a: Analysis) -> dict[str, Any]:
    top = a.kb_results[0] if a.kb_results else None
    scores: dict[str, Any] = {"language": a.language.code, "language_method": a.language.method}
    if top is not None:
        scores["faq_top"] = {"id": top.entry.id, "score": round(top.score, 4)}
    if a.intent is not None:
        scores["intent"] = {"name": a.intent.name, "confidence": round(a.intent.confidence, 4),
                            "is_question": a.intent.is_question, "ranking": [list(r) for r in a.intent.ranking[:3]]}
    if a.sentiment is not None:
        scores["sentiment"] = {"label": a.sentiment.label, "score": round(a.sentiment.score, 4)}
    return scores


def decide(analysis: Analysis, conversation: Conversation, policy: RoutingPolicy) -> Decision:
    for name in policy.precedence:
        decision = RULES[name](analysis, conversation, policy)
        if decision is not None:
            return _with_scores(decision, analysis)
    return _with_scores(fallback(analysis, conversation, policy), analysis)


def _with_scores(d: Decision, a: Analysis) -> Decision:
    return replace(d, scores=scores_of(a))
