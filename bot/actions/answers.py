"""Answers from the knowledge base and the polite fallback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.actions.base import ActionContext, ActionOutcome
from bot.conversation.texts import text
from bot.core.events import Button, Reply
from bot.kb.faq import FaqEntry
from bot.nlu.intent_spec import IntentCatalog


async def faq_answer(ctx: ActionContext) -> ActionOutcome:
    match = ctx.analysis.faq_match
    assert match is not None, "router chose faq without a match"
    answer = match.entry.answer_for(ctx.analysis.reply_language)
    conv = replace(ctx.conversation, fallback_count=0)
    return ActionOutcome(replies=(Reply("text", answer),), conversation=conv)


SUGGESTIONS = 3
SUGGESTION_FLOOR = 0.05  # below this P(right) an entry is no plausible reading of the message


def suggestions(ctx: ActionContext) -> tuple[Button, ...]:
    """The closest KB questions as buttons; tapping one sends the question, which then matches
    exactly. None for chatter (scored 0) or when nothing comes close."""
    seen: dict[str, Button] = {}
    lang = ctx.analysis.reply_language
    for r in ctx.analysis.kb_results:
        question = r.entry.question_for(lang)
        if r.score >= SUGGESTION_FLOOR and question not in seen:
            seen[question] = Button(question, question)
        if len(seen) == SUGGESTIONS:
            break
    return tuple(seen.values())


async def fallback(ctx: ActionContext) -> ActionOutcome:
    return await Fallback()(ctx)


class Fallback:
    """"Please rephrase", with the closest questions as buttons; when nothing comes close
    ("asdkjfh"), the knowledge base's first questions, so the customer still has a way forward."""

    def __init__(self, common_entries: Callable[[int], Sequence[FaqEntry]] | None = None) -> None:
        self._common = common_entries

    async def __call__(self, ctx: ActionContext) -> ActionOutcome:
        conv = replace(ctx.conversation, fallback_count=ctx.conversation.fallback_count + 1)
        lang = ctx.analysis.reply_language
        replies = [Reply("text", text("fallback", lang))]
        options = suggestions(ctx)
        if options:
            replies.append(Reply("buttons", text("did_you_mean", lang), buttons=options))
        elif self._common is not None and (common := self._common(SUGGESTIONS)):
            questions = [e.question_for(lang) for e in common]
            replies.append(Reply("buttons", text("common_questions", lang),
                                 buttons=tuple(Button(q, q) for q in questions)))
        return ActionOutcome(replies=tuple(replies), conversation=conv)


async def acknowledge(ctx: ActionContext) -> ActionOutcome:
    return ActionOutcome((Reply("text", text("acknowledged", ctx.analysis.reply_language)),), ctx.conversation)


def human_offer(prompt: str, lang: str) -> Reply:
    """The question `prompt` with one tap to an agent (a phrase the human_request rule reads) or not."""
    return Reply("buttons", text(prompt, lang), buttons=(
        Button(text("offer_human_yes", lang), text("human_request_phrase", lang)),
        Button(text("offer_human_no", lang), text("offer_human_no", lang)),
    ))


async def offer_human(ctx: ActionContext) -> ActionOutcome:
    """After `dialogue.fallbacks_before_handoff` misses: ask whether to bring in an agent."""
    lang = ctx.analysis.reply_language
    conv = replace(ctx.conversation, fallback_count=ctx.conversation.fallback_count + 1)
    return ActionOutcome((human_offer("offer_human", lang),), conv)


async def answer_and_offer_human(ctx: ActionContext) -> ActionOutcome:
    """An angry customer whose problem the KB answers: the answer, an apology and a human at once
    (one tap); a "不用了" is taken as after any offer of an agent."""
    match = ctx.analysis.faq_match
    assert match is not None, "router answered without a match"
    lang = ctx.analysis.reply_language
    # Counted as one miss so that "不用了" is read as declining the agent (router: fallback rule).
    conv = replace(ctx.conversation, fallback_count=max(1, ctx.conversation.fallback_count))
    return ActionOutcome((Reply("text", match.entry.answer_for(lang)), human_offer("sorry_offer_human", lang)), conv)


async def human_declined(ctx: ActionContext) -> ActionOutcome:
    conv = replace(ctx.conversation, fallback_count=0)
    return ActionOutcome((Reply("text", text("human_declined", ctx.analysis.reply_language)),), conv)


class SmalltalkAction:
    """Fixed replies of small-talk intents (greeting, thanks, goodbye) from the intents YAML."""

    def __init__(self, catalog: IntentCatalog) -> None:
        self._catalog = catalog

    async def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = self._catalog.get(ctx.decision.intent or "")
        lang = ctx.analysis.reply_language
        responses = spec.responses if spec else {}
        reply = responses.get(lang) or responses.get("en") or next(iter(responses.values()), None)
        if reply is None:
            return await fallback(ctx)
        return ActionOutcome((Reply("text", reply),), replace(ctx.conversation, fallback_count=0))
