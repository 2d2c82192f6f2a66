"""Prometheus metrics on a registry owned by the app (no global registry)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    messages: Counter
    turn_seconds: Histogram
    duplicates: Counter
    faq_entries: Gauge

    @classmethod
    def create(cls) -> Metrics:
        reg = CollectorRegistry(auto_describe=True)
        return cls(
            registry=reg,
            messages=Counter("bot_messages", "Customer messages processed", ["channel", "route"], registry=reg),
            turn_seconds=Histogram(
                "bot_turn_seconds",
                "Time to process one customer message",
                buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
                registry=reg,
            ),
            duplicates=Counter("bot_duplicate_messages", "Platform retries answered from memory", registry=reg),
            faq_entries=Gauge("bot_faq_entries", "FAQ entries in the knowledge base", registry=reg),
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
