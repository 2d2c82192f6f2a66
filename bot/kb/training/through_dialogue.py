"""`eval faq --through-dialogue`: every query as a new conversation through the whole pipeline.

A throw-away service (SQLite and embedded Chroma in a temporary directory, the given config
otherwise) gets the KB file's entries; each query is one customer's first message. It counts as a
right answer only when the turn's route is `faq` with the expected entry; an out-of-scope query is
declined when the route is anything but `faq` (fallback, LLM, a form). Turns that opened a ticket
or a handoff are counted too: a question should not open either.

The same run reports the bundled multilingual-e5-small alone (its best FAQ by cosine over the
questions, at the cosine that declines as many out-of-scope queries as the service does) as the
reference to beat.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.core.events import InboundEvent
from bot.kb.faq import FaqEntry

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ThroughDialogueReport:
    kb_entries: int
    in_scope: int
    out_of_scope: int
    right: float  # share of in-scope queries answered with the expected FAQ
    precision: float  # right FAQ answers / all FAQ answers
    oos_declined: float | None
    routes: dict[str, int]
    tickets_opened: int
    handoffs: int
    turn_p50_ms: float
    turn_p95_ms: float
    e5_alone: dict[str, float] | None
    # In-scope queries not answered whose first suggestion button ("您是不是想问：") is the expected
    # entry's question: one tap from the right answer. Not counted in `right`.
    suggested_first: float = 0.0
    # Every query the service got wrong (in-scope not answered with its entry, out-of-scope
    # answered), so an operator sees which questions to add or reword; only in --json.
    misses: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render_text(self) -> str:
        pct = lambda x: "n/a" if x is None else f"{x:.1%}"  # noqa: E731
        lines = [
            f"FAQ through the dialogue: {self.kb_entries} KB entries, {self.in_scope} in-scope + "
            f"{self.out_of_scope} out-of-scope queries, each a new conversation",
            f"  right answers {pct(self.right)} of in-scope, precision {pct(self.precision)},"
            f" out-of-scope declined {pct(self.oos_declined)}",
            f"  not answered, but the right question offered first as a button: {pct(self.suggested_first)}"
            " of in-scope",
            "  routes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.routes.items())),
            f"  tickets opened {self.tickets_opened}, handoffs {self.handoffs}",
            f"  turn latency p50 {self.turn_p50_ms:.1f} ms, p95 {self.turn_p95_ms:.1f} ms",
        ]
        if self.e5_alone:
            e = self.e5_alone
            lines.append(
                f"  reference, multilingual-e5-small alone: top-1 {pct(e['top1'])}; declining"
                f" {pct(e['oos_declined'])} of out-of-scope it answers {pct(e['right'])} right,"
                f" precision {pct(e['precision'])}"
            )
        return "\n".join(lines)


def throwaway_settings(settings: Settings, data_dir: Path, *, faq_file: Path | None = None) -> Settings:
    """The given config on an empty SQLite + embedded Chroma in `data_dir`, notifications and the
    order-lookup hook off.
    `faq_file` (absolute) is synced at start as a real start would; None: the caller upserts."""
    storage = settings.storage.model_copy(update={"data_dir": data_dir, "backend": "sqlite"})
    chroma = storage.chroma.model_copy(update={"mode": "embedded"})
    storage = storage.model_copy(update={"chroma": chroma})
    kb = settings.knowledge_base.model_copy(update={"faq_file": faq_file})
    quiet = settings.notifications.model_copy(update={"new_ticket": False, "urgent_ticket": False})
    # Made-up customers must not query the operator's real order hook: order questions get the
    # no-lookup guidance, as on a service without `integrations.order_lookup.url`.
    integrations = settings.integrations.model_copy(
        update={"order_lookup": settings.integrations.order_lookup.model_copy(update={"url": None, "token": None})})
    return settings.model_copy(update={"storage": storage, "knowledge_base": kb, "notifications": quiet,
                                       "integrations": integrations})


async def evaluate_through_dialogue(
    entries: Sequence[FaqEntry],
    queries: Sequence[tuple[str, str | None]],
    *,
    settings: Settings,
    progress: Progress | None = None,
) -> ThroughDialogueReport:
    from bot.app import build_services

    routes: dict[str, int] = {}
    right = answered = correct_answers = oos_decl = n_in = n_oos = tickets = handoffs = suggested = 0
    by_id = {e.id: e for e in entries}
    lat: list[float] = []
    misses: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="cs-bot-eval-") as tmp:
        async with build_services(throwaway_settings(settings, Path(tmp)), sync_faqs=False) as services:
            await services.knowledge_base.upsert(list(entries))
            await services.knowledge_base.settled()
            for i, (query, expected) in enumerate(queries, 1):
                event = InboundEvent(channel="api", customer_id=f"eval-{i}", text=query, message_id=f"eval-{i}")
                t0 = time.perf_counter()
                body = await services.runtime.feed(event)
                lat.append((time.perf_counter() - t0) * 1000)
                route = body["route"]
                routes[route] = routes.get(route, 0) + 1
                tickets += bool(body.get("ticket_id"))
                handoffs += route == "handoff"
                faq = (body.get("faq") or {}).get("id") if route == "faq" else None
                answered += faq is not None
                if expected is None:
                    n_oos += 1
                    oos_decl += faq is None
                else:
                    n_in += 1
                    right += faq == expected
                    if faq is None and _first_button(body) == by_id[expected].question:
                        suggested += 1
                correct_answers += faq is not None and faq == expected
                if faq != expected:
                    top = await services.knowledge_base.search_batched(query, 1)
                    misses.append({
                        "query": query, "expected": expected, "route": route, "faq": faq,
                        "kb_top": top[0].entry.id if top else None,
                        "kb_score": round(top[0].score, 3) if top else None,
                    })
                if progress and (i % 20 == 0 or i == len(queries)):
                    progress(i, len(queries))
    reference = _e5_alone(entries, queries, oos_decl / n_oos if n_oos else 0.9)
    return ThroughDialogueReport(
        kb_entries=len(entries),
        in_scope=n_in,
        out_of_scope=n_oos,
        right=right / max(n_in, 1),
        precision=correct_answers / answered if answered else 0.0,
        oos_declined=oos_decl / n_oos if n_oos else None,
        routes=routes,
        tickets_opened=tickets,
        handoffs=handoffs,
        turn_p50_ms=float(np.percentile(lat, 50)) if lat else 0.0,
        turn_p95_ms=float(np.percentile(lat, 95)) if lat else 0.0,
        e5_alone=reference,
        suggested_first=suggested / max(n_in, 1),
        misses=tuple(misses),
    )


def _first_button(body: dict[str, Any]) -> str | None:
    """The first suggestion offered ("您是不是想问："), not the KB's first questions shown when
    nothing came close."""
    from bot.conversation.texts import TEXTS

    common = set(TEXTS["common_questions"].values())
    for reply in body.get("replies", ()):
        buttons = reply.get("buttons") if isinstance(reply, dict) else None
        if buttons and reply.get("text") not in common:
            return str(buttons[0].get("value"))
    return None


def _e5_alone(
    entries: Sequence[FaqEntry], queries: Sequence[tuple[str, str | None]], oos_target: float
) -> dict[str, float] | None:
    """e5 cosine between the query and each FAQ's questions, best FAQ, one global cut-off chosen
    to decline `oos_target` of the out-of-scope queries (generous to the reference)."""
    from bot.kb import semantic

    if not semantic.available() or not entries or not queries:
        return None
    enc = semantic.shared_encoder()
    texts = [(t, i) for i, e in enumerate(entries) for t in e.texts]
    qv = enc.passages([t for t, _ in texts])
    owner = np.array([i for _, i in texts])
    sims = enc.queries([q for q, _ in queries]) @ qv.T
    best = np.full((len(queries), len(entries)), -1.0)
    for j in range(len(entries)):
        best[:, j] = sims[:, owner == j].max(axis=1)
    top = best.max(axis=1)
    pick = [entries[j].id for j in best.argmax(axis=1)]
    oos = np.array([e is None for _, e in queries])
    ins = ~oos
    hit = np.array([p == e for p, (_, e) in zip(pick, queries, strict=True)])
    cut = float(np.quantile(top[oos], min(max(oos_target, 0.0), 1.0))) if oos.any() else -1.0
    acc = top > cut if oos.any() else np.ones(len(queries), bool)
    return {
        "top1": float(hit[ins].mean()) if ins.any() else 0.0,
        "cosine_cut": cut,
        "oos_declined": float((~acc[oos]).mean()) if oos.any() else 0.0,
        "right": float((acc & hit)[ins].mean()) if ins.any() else 0.0,
        "precision": float((acc & hit).sum() / max(acc.sum(), 1)),
    }
