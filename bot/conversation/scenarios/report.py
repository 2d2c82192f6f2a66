"""What `eval dialogue` measured: per turn what the bot did and which expectations failed, per
scenario pass or fail, and the pass rate. Frozen records; text and JSON renderings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REPLY_PREVIEW = 160  # characters of the bot's reply shown next to a failed expectation


@dataclass(frozen=True, slots=True)
class Observed:
    """What one turn produced, as the customer and the API saw it."""

    state: str
    route: str | None = None  # None for events (an agent acting is no router decision)
    language: str | None = None
    intent: str | None = None
    faq: str | None = None
    replies: tuple[str, ...] = ()
    buttons: tuple[tuple[str, str], ...] = ()  # (label, value) of every button offered
    tickets: tuple[str, ...] = ()  # ids of the tickets this turn opened
    error: str | None = None  # the turn could not be played (no such button, the agent was refused)

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route, "state": self.state, "language": self.language, "intent": self.intent,
            "faq": self.faq, "replies": list(self.replies), "buttons": [label for label, _ in self.buttons],
            "tickets_opened": list(self.tickets), "error": self.error,
        }

    def summary(self) -> str:
        parts = [f"route {self.route}" if self.route else None, f"state {self.state}",
                 f"faq {self.faq}" if self.faq else None, f"intent {self.intent}" if self.intent else None,
                 f"language {self.language}" if self.language else None,
                 f"tickets {', '.join(self.tickets)}" if self.tickets else None]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Mismatch:
    check: str  # the expectation's field (route, state, reply_contains, ...)
    expected: str
    actual: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "expected": self.expected, "actual": self.actual}


@dataclass(frozen=True, slots=True)
class TurnCheck:
    index: int  # 1-based
    label: str  # what the customer said or tapped, or the event
    observed: Observed
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    tags: tuple[str, ...]
    note: str | None
    turns: tuple[TurnCheck, ...]  # played turns: a scenario stops at its first failing turn
    total_turns: int

    @property
    def passed(self) -> bool:
        return len(self.turns) == self.total_turns and all(t.passed for t in self.turns)

    @property
    def failed_turn(self) -> TurnCheck | None:
        return next((t for t in self.turns if not t.passed), None)

    def as_dict(self) -> dict[str, Any]:
        bad = self.failed_turn
        failure = None
        if bad is not None:
            failure = {"turn": bad.index, "said": bad.label,
                       "mismatches": [m.as_dict() for m in bad.mismatches], "observed": bad.observed.as_dict()}
        return {"name": self.name, "tags": list(self.tags), "passed": self.passed,
                "turns_played": len(self.turns), "turns_total": self.total_turns, "failure": failure}


@dataclass(frozen=True, slots=True)
class DialogueReport:
    file: str
    kb: str
    kb_entries: int
    results: tuple[ScenarioResult, ...]
    seconds: float

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def pass_rate(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    def by_tag(self) -> dict[str, tuple[int, int]]:
        """tag → (passed, scenarios), so a reader sees which area fails."""
        out: dict[str, list[int]] = {}
        for r in self.results:
            for tag in r.tags:
                row = out.setdefault(tag, [0, 0])
                row[0] += r.passed
                row[1] += 1
        return {tag: (p, n) for tag, (p, n) in sorted(out.items())}

    def as_dict(self) -> dict[str, Any]:
        played = [t for r in self.results for t in r.turns]
        return {
            "file": self.file, "kb": self.kb, "kb_entries": self.kb_entries,
            "scenarios": len(self.results), "passed": self.passed, "failed": len(self.results) - self.passed,
            "pass_rate": round(self.pass_rate, 4),
            "turns": {"played": len(played), "passed": sum(t.passed for t in played)},
            "by_tag": {tag: {"passed": p, "scenarios": n} for tag, (p, n) in self.by_tag().items()},
            "seconds": round(self.seconds, 2),
            "results": [r.as_dict() for r in self.results],
        }

    def render_text(self) -> str:
        n = len(self.results)
        played = sum(len(r.turns) for r in self.results)
        lines = [
            f"Dialogue scenarios: {n} from {self.file}; KB {self.kb} ({self.kb_entries} entries); "
            f"{played} turns in {self.seconds:.1f} s",
            f"  pass rate {self.pass_rate:.1%} ({self.passed} of {n} scenarios passed)",
        ]
        tags = self.by_tag()
        if tags:
            lines.append("  by tag: " + ", ".join(f"{t} {p}/{k}" for t, (p, k) in tags.items()))
        failing = [r for r in self.results if not r.passed]
        if failing:
            lines.append("")
            lines.append(f"Failing scenarios ({len(failing)}):")
        for r in failing:
            bad = r.failed_turn
            assert bad is not None
            tags_note = f" [{', '.join(r.tags)}]" if r.tags else ""
            lines.append(f"  ✗ {r.name}{tags_note}: turn {bad.index} of {r.total_turns}: {bad.label}")
            for m in bad.mismatches:
                lines.append(f"      {m.check}: expected {m.expected}; got {m.actual}")
            said = " | ".join(bad.observed.replies)
            if said:
                cut = said if len(said) <= REPLY_PREVIEW else said[:REPLY_PREVIEW] + "…"
                lines.append(f"      bot: {cut}")
            lines.append(f"      ({bad.observed.summary()})")
            if r.note:
                lines.append(f"      note: {r.note}")
        return "\n".join(lines)
