"""Answers from the knowledge base and the polite fallback."""

from __future__ import annotations

from dataclasses import replace

from bot.actions.base import ActionContext, ActionOutcome
from bot.conversation.texts import text
from bot.core.events import Reply
from bot.nlu.intent_spec import IntentCatalog


async def faq_answer(ctx: ActionContext) -> ActionOutcome:
    match = ctx.analysis.faq_match
    assert match is not None, "router chose faq without a match"
    answer = match.entry.answer_for(ctx.analysis.language.code)
    conv = replace(ctx.conversation, fallback_count=0)
    return ActionOutcome(replies=(Reply("text", answer),), conversation=conv)


async def fallback(ctx: ActionContext) -> ActionOutcome:
    conv = replace(ctx.conversation, fallback_count=ctx.conversation.fallback_count + 1)
    return ActionOutcome(replies=(Reply("text", text("fallback", ctx.analysis.language.code)),), conversation=conv)


class SmalltalkAction:
    """Fixed replies of small-talk intents (greeting, thanks, goodbye) from the intents YAML."""

    def __init__(self, catalog: IntentCatalog) -> None:
        self._catalog = catalog

    async def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = self._catalog.get(ctx.decision.intent or "")
        lang = ctx.analysis.language.code
        responses = spec.responses if spec else {}
        reply = responses.get(lang) or responses.get("en") or next(iter(responses.values()), None)
        if reply is None:
            return await fallback(ctx)
        return ActionOutcome((Reply("text", reply),), replace(ctx.conversation, fallback_count=0))
