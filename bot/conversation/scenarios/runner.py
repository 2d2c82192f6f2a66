"""Play scenarios against a throw-away service: the whole pipeline, as `eval faq --through-dialogue`.

The service is the configured one on an empty SQLite + embedded Chroma in a temporary folder
(bot/kb/training/through_dialogue.py: throwaway_settings), with the scenario file's KB (or the
configured FAQ file) synced at start the way `start` syncs it, notifications and the LLM off, no
channel connected: nothing leaves the machine. Customer messages go through `runtime.feed` (dedupe,
lock, dialogue, router, actions, store); agent events through the agent desk, as the agent API
calls it. What the customer reads is the turn's replies plus anything pushed to them meanwhile
(agent joined, rating prompt), caught by an outbox sender registered on every channel.

Each scenario is its own customer (and, if it needs one, its own agent, left offline so the queue
never hands it other chats), so scenarios share no conversation or seat, and a chat still waiting
when its scenario ends is taken out of the queue. A scenario stops at its first failing turn: what
follows was written for a conversation that did not happen.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.channels.model import CHANNEL_TYPES
from bot.conversation.scenarios.checks import compare
from bot.conversation.scenarios.report import DialogueReport, Observed, ScenarioResult, TurnCheck
from bot.conversation.scenarios.spec import Scenario, ScenarioError, ScenarioFile, Turn, check_faq_ids, load_scenarios
from bot.core.events import InboundEvent, OutboundMessage
from bot.handoff.results import HandoffError
from bot.tickets.model import TicketFilter

if TYPE_CHECKING:
    from bot.agents.model import Agent
    from bot.app import Services
    from bot.config import Settings

Progress = Callable[[int, int], None]
AGENT_NAME = "Alex"
# An agent answers or closes only a chat they took: a queued one is accepted first, so a scenario
# need not spell out the accept (agent_accepts is there for checking what the customer reads then).
TAKES_FIRST = ("agent_replies", "agent_closes")  # what customers read in "人工客服 Alex 将为您服务。"


class _Pushed:
    """Outbox sender for every channel: messages pushed to customers outside their replies."""

    def __init__(self) -> None:
        self._by_customer: dict[str, list[OutboundMessage]] = {}

    async def __call__(self, message: OutboundMessage) -> None:
        self._by_customer.setdefault(message.customer_id, []).append(message)

    def take(self, customer_id: str) -> list[OutboundMessage]:
        return self._by_customer.pop(customer_id, [])


class _Player:
    """One scenario: its customer, its agent (made on first need), the buttons last offered."""

    def __init__(self, services: Services, pushed: _Pushed, scenario: Scenario, number: int) -> None:
        self._s = services
        self._pushed = pushed
        self._scenario = scenario
        self._number = number
        self.customer_id = f"eval-dialogue-{number:04d}"
        self.channel = scenario.setup.channel
        self._agent: Agent | None = None
        self._buttons: tuple[tuple[str, str], ...] = ()
        self._said = 0

    async def set_up(self) -> None:
        setup = self._scenario.setup
        if setup.customer is not None:
            await self._s.customers.upsert(self.customer_id, setup.customer)
        if setup.language is not None:  # a conversation already running in that language
            await self._s.store.conversations.create(self.customer_id, self.channel, setup.language)

    async def play(self, turn: Turn) -> Observed:
        if turn.say is not None:
            return await self._say(turn.say)
        if turn.tap is not None:
            value = self._button(turn.tap)
            if value is None:
                offered = ", ".join(repr(label) for label, _ in self._buttons) or "no buttons"
                return Observed(state=await self._state(), error=f"no button {turn.tap!r} offered ({offered})")
            return await self._say(value)
        assert turn.event is not None
        return await self._event(turn)

    def _button(self, label: str) -> str | None:
        """The value of the offered button with this label (exact, else the one label containing it)."""
        want = label.casefold()
        exact = [v for lab, v in self._buttons if lab.casefold() == want]
        if exact:
            return exact[0]
        loose = [v for lab, v in self._buttons if want in lab.casefold()]
        return loose[0] if len(loose) == 1 else None

    async def _say(self, text: str) -> Observed:
        before = await self._tickets()
        self._said += 1
        event = InboundEvent(channel=self.channel, customer_id=self.customer_id, text=text,
                             message_id=f"{self.customer_id}-{self._said}")
        body = await self._s.runtime.feed(event)
        replies = [r["text"] for r in body["replies"]]
        buttons = [(b["label"], b["value"]) for r in body["replies"] for b in r.get("buttons", ())]
        pushed_texts, pushed_buttons = await self._take_pushed()
        self._buttons = (*buttons, *pushed_buttons)
        return Observed(
            state=body["state"], route=body["route"], language=body["language"], intent=body["intent"],
            faq=(body.get("faq") or {}).get("id"), replies=(*replies, *pushed_texts), buttons=self._buttons,
            tickets=tuple(t for t in await self._tickets() if t not in before),
        )

    async def _event(self, turn: Turn) -> Observed:
        before = await self._tickets()
        conv = await self._s.store.conversations.latest_for(self.customer_id, self.channel)
        if conv is None:
            return Observed(state="-", error=f"{turn.event}: the customer has no conversation yet")
        desk = self._s.desk
        agent = await self._agent_for_scenario()
        try:
            if turn.event == "agent_accepts" or (conv.state == "queued" and turn.event in TAKES_FIRST):
                await desk.accept(agent, conv.id)
            if turn.event == "agent_replies":
                assert turn.text is not None
                await desk.reply(agent, conv.id, turn.text)
            elif turn.event == "agent_closes":
                await desk.close(agent, conv.id, keep_ticket_open=bool(turn.keep_ticket_open))
            elif turn.event == "agent_hands_back":
                await desk.transfer(agent, conv.id, None)
        except HandoffError as exc:
            await self._take_pushed()
            return Observed(state=conv.state, error=f"{turn.event} refused: {exc.message}")
        texts, buttons = await self._take_pushed()
        self._buttons = buttons
        after = await self._s.store.conversations.get(conv.id)
        return Observed(state=after.state if after else "-", language=after.language if after else None,
                        replies=texts, buttons=buttons,
                        tickets=tuple(t for t in await self._tickets() if t not in before))

    async def tidy(self) -> None:
        """Take the scenario's chat out of the shared queue once it is over: a later scenario's
        "您目前排在第 N 位" must not depend on which scenarios ran before it."""
        conv = await self._s.store.conversations.latest_for(self.customer_id, self.channel)
        if conv is None or conv.state not in ("queued", "agent"):
            return
        agent = await self._agent_for_scenario()
        try:
            if conv.state == "queued":
                await self._s.desk.accept(agent, conv.id)
            await self._s.desk.close(agent, conv.id)
        except HandoffError:
            pass  # taken by its own agent meanwhile, or closed: nothing left in the queue
        await self._s.delivery.settle()
        self._pushed.take(self.customer_id)

    async def _agent_for_scenario(self) -> Agent:
        # Left offline: the queue never hands it other chats, and accept/close need no presence.
        if self._agent is None:
            self._agent, _ = await self._s.agents.add(f"eval-agent-{self._number:04d}", AGENT_NAME)
        return self._agent

    async def _take_pushed(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        await self._s.delivery.settle()  # what the outbox holds for the customer has gone out
        replies = [r for m in self._pushed.take(self.customer_id) for r in m.replies]
        return tuple(r.text for r in replies), tuple((b.label, b.value) for r in replies for b in r.buttons)

    async def _tickets(self) -> tuple[str, ...]:
        found, _ = await self._s.store.tickets.list(TicketFilter(customer_id=self.customer_id), limit=500, offset=0)
        return tuple(t.id for t in found)

    async def _state(self) -> str:
        conv = await self._s.store.conversations.latest_for(self.customer_id, self.channel)
        return conv.state if conv else "-"


async def play_scenarios(
    spec: ScenarioFile, services: Services, *, progress: Progress | None = None
) -> tuple[ScenarioResult, ...]:
    pushed = _Pushed()
    for channel in CHANNEL_TYPES:
        services.channels.register(channel, pushed)
    results: list[ScenarioResult] = []
    for number, scenario in enumerate(spec.scenarios, 1):
        player = _Player(services, pushed, scenario, number)
        await player.set_up()
        played: list[TurnCheck] = []
        for index, turn in enumerate(scenario.turns, 1):
            observed = await player.play(turn)
            check = TurnCheck(index, turn.label, observed, compare(turn.expect, spec.every_turn, observed))
            played.append(check)
            if not check.passed:
                break
        await player.tidy()
        results.append(ScenarioResult(scenario.name, scenario.tags, scenario.note, tuple(played),
                                      len(scenario.turns)))
        if progress:
            progress(number, len(spec.scenarios))
    return tuple(results)


def _kb_path(spec: ScenarioFile, settings: Settings) -> Path:
    if spec.kb is not None:
        return spec.kb
    if settings.knowledge_base.faq_file is None:
        raise ScenarioError("kb: the scenario file names no kb and knowledge_base.faq_file is not set")
    return settings.path(settings.knowledge_base.faq_file)


async def evaluate_dialogue(path: Path, settings: Settings, *, progress: Progress | None = None) -> DialogueReport:
    """Validate the file (ScenarioError on bad input, before anything runs), then play it."""
    from bot.kb.faq_file import FaqFileError, load_faq_file

    spec = load_scenarios(path)
    kb = _kb_path(spec, settings)
    try:
        entries = load_faq_file(kb)
    except FaqFileError as exc:
        raise ScenarioError(f"kb: {exc}") from None
    check_faq_ids(spec, {e.id for e in entries}, path, kb)

    # The composition root, imported here: this evaluation drives the whole service from above.
    from bot.app import build_services
    from bot.kb.training.through_dialogue import throwaway_settings

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cs-bot-dialogue-") as tmp:
        quiet = throwaway_settings(settings, Path(tmp), faq_file=kb.resolve())
        quiet = quiet.model_copy(update={"ai": quiet.ai.model_copy(update={"provider": "none"})})
        async with build_services(quiet) as services:
            await services.knowledge_base.settled()
            results = await play_scenarios(spec, services, progress=progress)
    return DialogueReport(file=str(path), kb=str(kb), kb_entries=len(entries), results=results,
                          seconds=time.perf_counter() - t0)
