"""Handoff assignment figures: `python run_bot.py bench --handoff [--agents 200] [--messages 300] [--json]`.

Measures, with N agents online (mixed skills, languages and loads):
- choose_agent alone (the pure decision), in µs, wall clock and thread CPU time (on a busy machine
  the wall-clock tail is mostly time the OS gave to other processes);
- the assignment decision as enqueue makes it (read online agents + their loads from SQLite, then
  choose), in ms;
- a whole enqueue (decision + ticket + handoff row), in ms, on a temporary SQLite database.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.agents.directory import AgentDirectory
from bot.channels.outbox import Outbox
from bot.config import Settings
from bot.conversation.machine import ConversationMachine
from bot.core.locks import ConversationLocks
from bot.customers.service import CustomerService
from bot.handoff.assignment import AssignmentNeed, choose_agent
from bot.handoff.queue import HandoffQueue
from bot.notify.notifier import LogNotifier
from bot.store.factory import open_store
from bot.tickets.service import TicketService

SKILLS = ("refund", "billing", "shipping", "tech", "vip")


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _summary(samples: list[float], scale: float) -> dict[str, float]:
    return {"p50": round(statistics.median(samples) * scale, 3), "p99": round(_pct(samples, 0.99) * scale, 3),
            "max": round(max(samples) * scale, 3)}


async def run(agents: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({
            "storage": {"data_dir": tmp}, "root": Path(tmp),
            "agents": {"max_concurrent_chats": 10}, "tickets": {"auto_assign": False},
        })
        store = await open_store(settings)
        try:
            directory = AgentDirectory(settings, store)
            for i in range(agents):
                await directory.add(f"a{i:03d}", f"Agent {i}", skills=[SKILLS[i % 5]],
                                    languages=["zh", "en"] if i % 3 else ["en"])
                await directory.set_status(f"a{i:03d}", "online")
            queue = HandoffQueue(settings, store, directory, CustomerService(store),
                                 TicketService(settings, store, LogNotifier()), ConversationMachine(), Outbox(),
                                 ConversationLocks())
            need = AssignmentNeed.of("vip", "zh")
            loads = await directory.online_loads()
            pure, cpu = [], []
            for _ in range(max(runs, 1000)):
                c0, t0 = time.thread_time(), time.perf_counter()
                choose_agent(loads, need)
                pure.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
            decision, full = [], []
            for i in range(runs):
                conv = await store.conversations.create(f"bench-{i}", "web", "zh")
                t0 = time.perf_counter()
                choose_agent(await directory.online_loads(), need)
                decision.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                out = await queue.enqueue(conv, reason="bench", skill=SKILLS[i % 5], language="zh")
                full.append(time.perf_counter() - t0)
                await store.conversations.save(out.conversation)
                assert out.agent_id is not None
            open_chats = sum((await store.handoffs.active_counts()).values())
        finally:
            await store.close()
    return {
        "agents_online": agents,
        "runs": runs,
        "open_chats_at_end": open_chats,
        "choose_agent_us": _summary(pure, 1e6),
        # CPU time of this thread: the same call without the time the OS gave other processes.
        "choose_agent_cpu_us": _summary(cpu, 1e6),
        "assignment_decision_ms": _summary(decision, 1e3),
        "enqueue_with_ticket_ms": _summary(full, 1e3),
    }


def render(report: dict[str, Any]) -> str:
    lines = [f"{report['agents_online']} agents online, {report['runs']} handoffs "
             f"({report['open_chats_at_end']} chats open at the end)"]
    for key in ("choose_agent_us", "choose_agent_cpu_us", "assignment_decision_ms", "enqueue_with_ticket_ms"):
        s = report[key]
        lines.append(f"  {key:<24} p50 {s['p50']:>9}  p99 {s['p99']:>9}  max {s['max']:>9}")
    return "\n".join(lines)
