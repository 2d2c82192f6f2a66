"""The scenario file of `eval dialogue`: pydantic models, loading, and one-line errors.

A file holds `scenarios`, each a name, an optional `setup` and `turns`. A turn is what happens
(`say` a customer message, `tap` a button the bot just offered, or an `event` such as an agent
closing the chat) and what should follow (`expect`). Every field is checked when the file is read,
so a typo fails at once, naming the scenario, the turn and the field, instead of being skipped and
reported as a pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.channels.model import CHANNEL_TYPES
from bot.config import read_yaml_mapping
from bot.conversation.machine import STATES
from bot.core.events import MAX_MESSAGE_CHARS, ROUTES
from bot.customers.service import CustomerUpdate

# Things that happen to a conversation besides customer messages, through the agent desk.
Event = Literal["agent_accepts", "agent_replies", "agent_closes", "agent_hands_back"]
EVENTS: tuple[str, ...] = Event.__args__  # type: ignore[attr-defined]
# Expectations only a customer message can meet (an event is no turn of the router).
MESSAGE_ONLY = ("route", "faq", "intent", "language")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file, scenario, turn and field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_tuple(v: Any) -> Any:
    """A single value where a list is allowed ("route: faq", "reply_contains: 退款")."""
    return (v,) if isinstance(v, str) else v


def _one_of(v: tuple[str, ...], known: tuple[str, ...], what: str) -> tuple[str, ...]:
    unknown = [x for x in v if x not in known]
    if unknown:
        raise ValueError(f"unknown {what} {unknown[0]!r}; known: {', '.join(known)}")
    if not v:
        raise ValueError(f"give at least one {what}")
    return v


class Expect(_Model):
    """What should hold after the turn; anything left out is not checked."""

    # Any of these (the routes the API reports: faq, llm, collect, ticket, handoff, relay, ...).
    route: tuple[str, ...] | None = None
    state: tuple[str, ...] | None = None  # the conversation's state after the turn, any of these
    faq: str | None = None  # the FAQ id answered
    intent: str | None = None
    language: str | None = None
    # true: this turn opened no ticket; false: it opened one.
    no_ticket: bool | None = None
    # Case-insensitive substrings of everything the customer read this turn (all of them / none).
    reply_contains: tuple[str, ...] = ()
    reply_not_contains: tuple[str, ...] = ()
    reply_contains_any: tuple[str, ...] = ()  # at least one of these (wordings that may vary)
    # true: some button offered; false: none; a list: buttons with these labels (among others).
    buttons: bool | tuple[str, ...] | None = None
    buttons_not_contain: tuple[str, ...] = ()

    @field_validator("route", "state", "reply_contains", "reply_not_contains", "reply_contains_any", "buttons",
                     "buttons_not_contain", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _as_tuple(v)

    @field_validator("route")
    @classmethod
    def _route(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else _one_of(v, ROUTES, "route")

    @field_validator("state")
    @classmethod
    def _state(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else _one_of(v, STATES, "state")

    def given(self) -> set[str]:
        return set(self.model_fields_set)


class EveryTurn(_Model):
    """Checked on every turn of every scenario: words no customer should ever read."""

    reply_not_contains: tuple[str, ...] = ()
    buttons_not_contain: tuple[str, ...] = ()

    @field_validator("reply_not_contains", "buttons_not_contain", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _as_tuple(v)


class Turn(_Model):
    say: str | None = Field(None, min_length=1, max_length=MAX_MESSAGE_CHARS)
    tap: str | None = Field(None, min_length=1)  # the label of a button the last reply offered
    event: Event | None = None
    text: str | None = Field(None, min_length=1, max_length=MAX_MESSAGE_CHARS)  # agent_replies: what the agent says
    keep_ticket_open: bool | None = None  # agent_closes: leave the handoff's ticket open
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _one_kind(self) -> Turn:
        given = [k for k in ("say", "tap", "event") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of say, tap or event")
        if (self.text is not None) != (self.event == "agent_replies"):
            raise ValueError("text goes with event agent_replies (what the agent writes), and only there")
        if self.keep_ticket_open is not None and self.event != "agent_closes":
            raise ValueError("keep_ticket_open goes with event agent_closes only")
        if self.event is not None:
            wrong = sorted(self.expect.given() & set(MESSAGE_ONLY))
            if wrong:
                raise ValueError(f"expect.{wrong[0]}: an event is not a customer message; it has no "
                                 f"{', '.join(MESSAGE_ONLY)} to check")
        return self

    @property
    def label(self) -> str:
        """How the report names the turn: what the customer typed or tapped, or the event."""
        if self.say is not None:
            return self.say
        if self.tap is not None:
            return f"[tap] {self.tap}"
        return f"[{self.event}]" + (f" {self.text}" if self.text else "")


class Setup(_Model):
    channel: str = "api"
    # The conversation already runs in this language (as if the customer had written in it before).
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    customer: CustomerUpdate | None = None  # the customer's profile (name, tags such as vip, ...)

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        return _one_of((v,), CHANNEL_TYPES, "channel")[0]


class Scenario(_Model):
    name: str = Field(min_length=1, max_length=200)
    tags: tuple[str, ...] = ()  # free labels for reading the report (faq, form, rating, zh, en ...)
    note: str | None = None
    setup: Setup = Setup()
    turns: tuple[Turn, ...] = Field(min_length=1, max_length=50)


class ScenarioFile(_Model):
    kb: Path | None = None  # FAQ file (relative to this file); default: the configured knowledge_base.faq_file
    every_turn: EveryTurn = EveryTurn()
    scenarios: tuple[Scenario, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ScenarioFile:
        seen: set[str] = set()
        for s in self.scenarios:
            if s.name in seen:
                raise ValueError(f"two scenarios are named {s.name!r}; names must be unique")
            seen.add(s.name)
        return self


def _where(loc: tuple[Any, ...], raw: Any) -> str:
    """("scenarios", 3, "turns", 1, "expect", "route") → 'scenario 4 "name", turn 2: expect.route'."""
    parts: list[str] = []
    rest = list(loc)
    if len(rest) >= 2 and rest[0] == "scenarios" and isinstance(rest[1], int):
        index = rest[1]
        name = None
        if isinstance(raw, dict) and isinstance(raw.get("scenarios"), list) and index < len(raw["scenarios"]):
            item = raw["scenarios"][index]
            name = item.get("name") if isinstance(item, dict) else None
        parts.append(f"scenario {index + 1}" + (f" {name!r}" if isinstance(name, str) else ""))
        rest = rest[2:]
        if len(rest) >= 2 and rest[0] == "turns" and isinstance(rest[1], int):
            parts.append(f"turn {rest[1] + 1}")
            rest = rest[2:]
    field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in rest).replace(".[", "[")
    head = ", ".join(parts)
    if head and field:
        return f"{head}: {field}"
    return head or field or "(top level)"


def describe(err: ValidationError, raw: Any) -> str:
    """The first problem, in one line (a file with several gets them one fix at a time)."""
    raw_errors = err.errors()
    # A bad item is dropped from its list, which then reports "too short" too: an echo, not a problem.
    errors = [e for e in raw_errors if not (e["type"] == "too_short" and any(
        o is not e and tuple(o["loc"][:len(e["loc"])]) == tuple(e["loc"]) for o in raw_errors))] or raw_errors
    first = errors[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{_where(loc, raw)}: {msg}{more}"


def load_scenarios(path: Path) -> ScenarioFile:
    """Read and validate a scenario file; ScenarioError (one line, naming the field) otherwise.
    A relative `kb:` is resolved against the scenario file's folder."""
    try:
        raw = read_yaml_mapping(path, " with a `scenarios` list")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {describe(exc, raw)}") from None
    if spec.kb is not None and not spec.kb.is_absolute():
        spec = spec.model_copy(update={"kb": (path.parent / spec.kb).resolve()})
    return spec


def check_faq_ids(spec: ScenarioFile, known: set[str], source: Path, kb: Path) -> None:
    """Every `expect.faq` names an entry of the KB the service will use (a typo is no failure)."""
    for i, scenario in enumerate(spec.scenarios):
        for j, turn in enumerate(scenario.turns):
            faq = turn.expect.faq
            if faq is not None and faq not in known:
                raise ScenarioError(f"{source}: scenario {i + 1} {scenario.name!r}, turn {j + 1}: expect.faq: "
                                    f"no FAQ {faq!r} in {kb}")
