"""The `llm` action: a grounded LLM answer, guarded, reviewed when it touches money or law.

Grounding: the top knowledge-base passages (by calibrated score) and the last turns of this
conversation only — never another customer's. When the model is unavailable (timeout, 429,
5xx, broken response, empty answer) the customer still gets an answer within `ai.timeout`:
the FAQ answer if there is a match, else the polite fallback. The decision record's
`scores.llm` says which happened and why.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import structlog

from bot.actions.answers import fallback, faq_answer
from bot.actions.base import Action, ActionContext, ActionOutcome
from bot.conversation.texts import text
from bot.core.events import Reply
from bot.llm.client import LLMClient, LLMUnavailable
from bot.llm.guard import check_reply, new_canary
from bot.llm.prompt import build_messages
from bot.llm.review import needs_review, validate_topics
from bot.store.protocols import MessageLog

log = structlog.get_logger(__name__)

MAX_PASSAGES = 3
# Calibrated KB score (≈ P(the FAQ answers it)) from which a passage is shown to the model. Far
# below the answer threshold on purpose: the LLM runs exactly when no FAQ cleared it, and a
# near miss ("退款多久到账" vs "如何申请退款") is still the right context. Unrelated entries score
# ~0.002-0.02 with the shipped calibration, related near misses ~0.04-0.12.
MIN_PASSAGE_SCORE = 0.05


class LlmReplyAction:
    def __init__(
        self, client: LLMClient, history: MessageLog, *, review_topics: Sequence[str], history_turns: int,
        stream: bool = False, min_passage_score: float = MIN_PASSAGE_SCORE, fallback: Action = fallback,
    ) -> None:
        self._fallback = fallback
        self._client = client
        self._history = history
        self._turns = history_turns
        self._topics = validate_topics(list(review_topics))
        self._stream = stream
        self._min_score = min_passage_score
        # One canary per process (per action, which is built once): never in logs or the store.
        self._canary = new_canary()

    async def __call__(self, ctx: ActionContext) -> ActionOutcome:
        lang = ctx.analysis.language.code
        hits = [r for r in ctx.analysis.kb_results[:MAX_PASSAGES] if r.score >= self._min_score]
        passages = [(r.entry.question, r.entry.answer_for(lang)) for r in hits]
        turns = 2 * self._turns
        history = [(m.sender, m.text) for m in await self._history.messages(ctx.conversation.id, limit=turns)]
        prompt = build_messages(ctx.analysis.text, lang, passages, history, canary=self._canary)
        info: dict[str, Any] = {"passages": [r.entry.id for r in hits], "history_messages": len(history)}
        started = time.perf_counter()
        try:
            result = await self._client.complete(prompt.messages, stream=self._stream)
        except LLMUnavailable as exc:
            info["latency_ms"] = int((time.perf_counter() - started) * 1000)
            return await self._fall_back(ctx, exc.reason, info)

        guard = check_reply(result.text, system_prompt=prompt.system_prompt, canary=self._canary,
                            refusal=text("llm_refusal", lang))
        info.update(model=result.model, latency_ms=result.latency_ms, finish_reason=result.finish_reason,
                    usage=result.usage, fallback_reason=None, guard=guard.reason)
        if guard.leaked:
            log.warning("llm_reply_blocked", reason=guard.reason, model=result.model)
            info["review_topics"] = []
            return ActionOutcome((Reply("text", guard.text),), ctx.conversation, extra_scores={"llm": info})

        topics = needs_review(ctx.analysis.text, guard.text, self._topics)
        info["review_topics"] = topics
        replies = [Reply("text", guard.text)]
        if topics:
            replies.append(Reply("text", text("llm_review_notice", lang)))
        conv = replace(ctx.conversation, fallback_count=0)
        return ActionOutcome(tuple(replies), conv, needs_review=bool(topics), extra_scores={"llm": info})

    async def _fall_back(self, ctx: ActionContext, reason: str, info: dict[str, Any]) -> ActionOutcome:
        outcome = await (faq_answer(ctx) if ctx.analysis.faq_match is not None else self._fallback(ctx))
        info.update(model=self._client.model, review_topics=[], fallback_reason=reason,
                    answered_by="faq" if ctx.analysis.faq_match is not None else "fallback")
        return replace(outcome, extra_scores={**outcome.extra_scores, "llm": info},
                       route="faq" if ctx.analysis.faq_match is not None else "fallback")
