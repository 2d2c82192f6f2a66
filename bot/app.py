"""Wires the object graph once: store → knowledge base → pipeline → dialogue → runtime.

Used by the HTTP app factory and by CLI commands that need the live system (`chat`, `search_kb`),
so both run exactly the same code. No module-level singletons: everything hangs off `Services`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from bot.actions.answers import (
    Fallback,
    SmalltalkAction,
    acknowledge,
    answer_and_offer_human,
    faq_answer,
    human_declined,
    offer_human,
)
from bot.actions.base import Action
from bot.actions.escalation import EscalationActions
from bot.actions.flows import FlowActions
from bot.actions.orders import OrderAnswers
from bot.agents.directory import AgentDirectory
from bot.channels.api_channel import ApiChannel
from bot.channels.delivery import Delivery
from bot.channels.limits import OutboundLimits
from bot.channels.outbox import OutboxItem
from bot.channels.push import CustomerPush
from bot.channels.registry import ChannelRegistry
from bot.channels.sockets import SocketChannel, SocketHub
from bot.channels.telegram import open_telegram
from bot.channels.tokens import CustomerTokens, load_key
from bot.channels.webhook import Webhook
from bot.config import ConfigError, Settings
from bot.conversation.inactivity import InactivityCloser
from bot.conversation.machine import ConversationMachine
from bot.conversation.manager import DialogueManager
from bot.core import periodic
from bot.core.locks import ConversationLocks
from bot.core.private import private_dir
from bot.csat.survey import RatingFlow
from bot.customers.privacy import CustomerData
from bot.customers.retention import RetentionPurge
from bot.customers.service import CustomerService
from bot.handoff.desk import AgentDesk
from bot.handoff.live import ConsoleEvents
from bot.handoff.queue import HandoffQueue
from bot.handoff.seats import Seats
from bot.handoff.signals import ChangeFeed
from bot.handoff.tickets import HandoffTickets
from bot.integrations.order_lookup import OrderLookupClient
from bot.kb.faq_sync import sync_faq_file
from bot.kb.knowledge_base import KnowledgeBase
from bot.nlu.intent_spec import IntentCatalog, IntentSpecError, load_intents
from bot.nlu.intents import IntentClassifier
from bot.nlu.language import LanguageDetector
from bot.nlu.pipeline import Pipeline
from bot.nlu.sentiment import SentimentAnalyzer
from bot.notify.notifier import LogNotifier, Notifier
from bot.reports.service import Reports
from bot.routing.policy import RoutingPolicy
from bot.runtime import Runtime
from bot.store import Store
from bot.store.factory import open_store
from bot.tickets.service import TicketService
from bot.tickets.sla_monitor import SlaMonitor

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramChannel

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]
KB_FEED_INTERVAL = 0.5  # seconds
PRESENCE_INTERVAL = 30.0  # seconds between presence sweeps / queue drains


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    knowledge_base: KnowledgeBase
    pipeline: Pipeline
    dialogue: DialogueManager
    runtime: Runtime
    machine: ConversationMachine
    locks: ConversationLocks
    channels: ChannelRegistry
    delivery: Delivery
    sockets: SocketHub
    console_events: ConsoleEvents
    tokens: CustomerTokens
    notifier: Notifier
    tickets: TicketService
    agents: AgentDirectory
    customers: CustomerService
    handoff: HandoffQueue
    desk: AgentDesk
    survey: RatingFlow
    push: CustomerPush
    reports: Reports
    customer_data: CustomerData
    telegram: TelegramChannel | None = None  # the Bot API client, when channels.telegram is on


@dataclass(frozen=True)
class HandoffGraph:
    queue: HandoffQueue
    desk: AgentDesk
    survey: RatingFlow
    push: CustomerPush


def build_handoff(
    settings: Settings, store: Store, agents: AgentDirectory, customers: CustomerService, tickets: TicketService,
    machine: ConversationMachine, locks: ConversationLocks, delivery: Delivery,
) -> HandoffGraph:
    """The customer side (queue), the agent side (desk) and the CSAT survey, sharing the seats."""
    push = CustomerPush(store.messages, delivery)
    changes = ChangeFeed()
    handoff_tickets = HandoffTickets(tickets)
    seats = Seats(store, agents, machine, push, handoff_tickets, changes)
    queue = HandoffQueue(settings, store, agents, customers, machine, locks, seats, handoff_tickets, changes)
    survey = RatingFlow(store, machine, push, locks)
    desk = AgentDesk(store, agents, machine, locks, seats, queue, handoff_tickets, push, survey, changes)
    tickets.on_resolved(survey.ask_for_ticket)
    return HandoffGraph(queue, desk, survey, push)


def _actions(
    settings: Settings, catalog: IntentCatalog, machine: ConversationMachine, tickets: TicketService,
    handoff: HandoffQueue, survey: RatingFlow, kb: KnowledgeBase, order_lookup: OrderLookupClient | None,
) -> dict[str, Action]:
    escalation = EscalationActions(tickets, handoff, survey)
    orders = OrderAnswers(machine, order_lookup)
    flows = FlowActions(catalog, machine, tickets, escalation, settings.dialogue.slot_attempts, orders)
    actions: dict[str, Action] = {
        "faq": faq_answer,
        "fallback": Fallback(kb.first_entries),
        "acknowledge": acknowledge,
        "offer_human": offer_human,
        "human_declined": human_declined,
        "smalltalk": SmalltalkAction(catalog),
        "start_flow": flows.start_flow,
        "answer_and_offer": flows.answer_and_offer,
        "answer_and_offer_human": answer_and_offer_human,
        "accept_offer": flows.accept_offer,
        "decline_offer": flows.decline_offer,
        "fill_slot": flows.fill_slot,
        "cancel_flow": flows.cancel_flow,
        "faq_in_flow": flows.faq_in_flow,
        "question_in_flow": flows.question_in_flow,
        "reprompt_slot": flows.reprompt_slot,
        "accept_human": flows.accept_human,
        "decline_human": flows.decline_human,
        "complaint_ticket": escalation.complaint_ticket,
        "handoff": escalation.handoff,
        "relay": escalation.relay,
        "rating": escalation.rating,
    }
    return actions


def load_pipeline(settings: Settings, kb: KnowledgeBase) -> tuple[Pipeline, IntentCatalog]:
    """Language, sentiment and intents (trained from intents/*.yaml now, in about a second)."""
    try:
        catalog = load_intents(settings.shipped(settings.dialogue.intents_dir))
    except IntentSpecError as exc:
        raise ConfigError(str(exc)) from None
    pipeline = Pipeline(
        language=LanguageDetector(),
        knowledge_base=kb,
        sentiment=SentimentAnalyzer.load(settings.models_dir),
        intents=IntentClassifier.train(catalog, cache_dir=private_dir(settings.data_dir)),
        use_knowledge_base=settings.knowledge_base.enabled,
        reply_languages=settings.dialogue.languages,
    )
    return pipeline, catalog


@asynccontextmanager
async def build_services(
    settings: Settings,
    *,
    sync_faqs: bool = True,
    background: bool = False,
    progress: Progress | None = None,
) -> AsyncIterator[Services]:
    """The live object graph. `background` starts the periodic jobs (SLA checks, ...) as `start` does."""
    store = await open_store(settings)
    try:
        kb = await KnowledgeBase.open(settings, store.faqs, progress=progress)
        try:
            if sync_faqs:
                await sync_faq_file(settings, kb)
            machine = ConversationMachine()
            locks = ConversationLocks()
            sockets, console_events = SocketHub(), ConsoleEvents()
            webhook = _callback(settings)
            telegram = open_telegram(settings)
            channels = _channels(settings, store, sockets, webhook, telegram)
            delivery = Delivery(store.outbox, channels, on_dead_letter=_dead_letter_notice(store, console_events),
                                limits=OutboundLimits(settings.channels.limits()))
            notifier = LogNotifier()
            tickets = TicketService(settings, store, notifier)
            agents = AgentDirectory(settings, store)
            customers = CustomerService(store)
            h = build_handoff(settings, store, agents, customers, tickets, machine, locks, delivery)
            handoff, desk, survey, push = h.queue, h.desk, h.survey, h.push
            pipeline, catalog = load_pipeline(settings, kb)
            policy = RoutingPolicy.from_settings(settings, catalog, machine)
            # One aiohttp session for every order lookup, closed with the services (None: no hook).
            order_lookup = OrderLookupClient.open(settings.integrations.order_lookup)
            actions = _actions(settings, catalog, machine, tickets, handoff, survey, kb, order_lookup)
            llm_client = None
            if settings.ai.enabled:  # the openai SDK is imported only when an LLM is configured
                from bot.actions.llm_reply import LlmReplyAction
                from bot.llm.client import LLMClient

                llm_client = LLMClient(settings.ai)
                actions["llm"] = LlmReplyAction(
                    llm_client, store.messages, review_topics=settings.ai.review_topics,
                    history_turns=settings.dialogue.history_turns, fallback=actions["fallback"],
                )
            dialogue = DialogueManager(settings, store, kb, pipeline, policy, machine, actions)
            runtime = Runtime(store, dialogue, locks)
            services = Services(
                settings, store, kb, pipeline, dialogue, runtime, machine, locks, channels, delivery, sockets,
                console_events, CustomerTokens(load_key(settings.data_dir)), notifier,
                tickets, agents, customers, handoff, desk, survey, push, Reports(settings, store),
                CustomerData(store, locks, forget=(runtime.forget_customer,)), telegram=telegram,
            )
            jobs = _start_jobs(services) if background else []
            try:
                yield services
                await runtime.shutdown(settings.server.shutdown_timeout)
            finally:
                for job in jobs:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
                await delivery.close()
                await channels.aclose()
                if webhook is not None:
                    await webhook.close()
                if telegram is not None:
                    await telegram.close()
                if llm_client is not None:
                    await llm_client.aclose()
                if order_lookup is not None:
                    await order_lookup.aclose()
        finally:
            await kb.close()
    finally:
        await store.close()


def _callback(settings: Settings) -> Webhook | None:
    """channels.app.callback_url, signed with callback_secret; both or neither."""
    app = settings.channels.app
    if app.callback_url and app.callback_secret:
        return Webhook(app.callback_url, app.callback_secret)
    return None


def _channels(settings: Settings, store: Store, sockets: SocketHub, webhook: Webhook | None,
              telegram: TelegramChannel | None = None) -> ChannelRegistry:
    """The connectors this release has; channels registered with add_channel resolve by type."""
    registry = ChannelRegistry(store.channels)
    registry.add(ApiChannel("api", webhook))
    registry.add(SocketChannel("web", sockets))
    registry.add(SocketChannel("app", sockets, webhook))
    if telegram is not None:
        registry.add(telegram)
    wechat = settings.channels.wechat
    if wechat.enabled and not wechat.missing():  # imported only when configured (wechatpy, cryptography)
        from bot.channels.wechat.channel import WechatChannel

        registry.add(WechatChannel(wechat))
    phone = settings.channels.phone
    if phone.enabled and not phone.missing():
        from bot.channels.phone.channel import PhoneChannel

        registry.add(PhoneChannel(phone))
    wecom = settings.channels.wecom
    if wecom.enabled and not wecom.missing():
        from bot.channels.wecom.channel import WecomChannel

        registry.add(WecomChannel(wecom))
    wechat_kf = settings.channels.wechat_kf
    if wechat_kf.enabled and not wechat_kf.missing():
        from bot.channels.wechat_kf.channel import WechatKfChannel

        registry.add(WechatKfChannel(wechat_kf, store.channels))
    return registry


def _dead_letter_notice(store: Store, console_events: ConsoleEvents) -> Callable[[OutboxItem, str], Awaitable[None]]:
    """A message that could not be delivered shows on the console of the agent of that chat."""

    async def notice(item: OutboxItem, reason: str) -> None:
        conv = await store.conversations.get(item.conversation_id)
        console_events.publish(conv.agent_id if conv else None, {
            "type": "undelivered", "conversation_id": item.conversation_id, "outbox_id": item.id,
            "reason": reason,
        })

    return notice


def _start_jobs(services: Services) -> list[asyncio.Task[None]]:
    sla = SlaMonitor(services.settings, services.store, services.tickets, services.notifier)
    idle = InactivityCloser(services.settings, services.store, services.machine, services.locks)
    jobs = [
        asyncio.create_task(sla.run(), name="sla-monitor"),
        asyncio.create_task(idle.run(), name="inactivity-closer"),
        asyncio.create_task(_presence_job(services), name="presence-and-queue"),
        asyncio.create_task(_kb_feed_job(services), name="kb-change-feed"),
        asyncio.create_task(services.delivery.run(), name="outbox-delivery"),
    ]
    if services.telegram is not None and services.settings.channels.telegram.mode == "polling":
        from bot.channels.telegram.polling import run_polling

        jobs.append(asyncio.create_task(run_polling(services), name="telegram-polling"))
    days = services.settings.privacy.retention_days
    if days is not None:  # privacy.retention_days: at start, then hourly, in batches between turns
        jobs.append(asyncio.create_task(RetentionPurge(services.store, days).run(), name="retention-purge"))
    return jobs


async def _kb_feed_job(services: Services, every: float = KB_FEED_INTERVAL) -> None:
    """FAQ edits made elsewhere (CLI, another worker) reach this service's index within a second."""
    await periodic.every(every, services.knowledge_base.refresh, failed="kb_feed_failed", wait_first=True)


async def _presence_job(services: Services, every: float = PRESENCE_INTERVAL) -> None:
    """Idle agents go away (agents.auto_away_after), then waiting handoffs get any free seat."""

    async def round_() -> None:
        await services.agents.sweep_presence()
        await services.handoff.drain_queue()

    await periodic.every(every, round_, failed="presence_job_failed", wait_first=True)
