"""Which agent takes a handoff. Pure: a function of the candidates' loads and the need.

Order of preference, as the issue fixes it:
1. only agents with free capacity (active chats < max) are candidates at all;
2. an agent with the needed skill (intent/category) beats one without;
2b. then an agent whose skills include one of the customer's tags (a "vip" desk for vip customers);
3. an agent speaking the customer's language beats one who does not;
4. the least busy (active / max, so 1 of 2 is busier than 1 of 5);
5. ties go to whoever has waited longest since their last assignment (never assigned = longest);
6. finally the agent id, so the choice is deterministic.

Skill and language are preferences, not filters: a customer waiting for a specialist who is not
online is worse off than one served by a generalist who can escalate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def normalize_language(code: str | None) -> str | None:
    """zh-CN, zh_Hans and ZH all speak zh."""
    if not code:
        return None
    return code.replace("_", "-").split("-")[0].lower() or None


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent_id: str
    active: int
    max_chats: int
    skills: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)  # normalized base codes
    last_assigned_at: str | None = None  # UTC ISO-8601; sorts chronologically as text

    @classmethod
    def of(cls, agent_id: str, active: int, max_chats: int, *, skills: Iterable[str] = (),
           languages: Iterable[str] = (), last_assigned_at: str | None = None) -> AgentLoad:
        langs = frozenset(n for n in (normalize_language(lang) for lang in languages) if n)
        return cls(agent_id, active, max_chats, frozenset(s.lower() for s in skills), langs, last_assigned_at)

    @property
    def has_capacity(self) -> bool:
        return self.active < self.max_chats


@dataclass(frozen=True, slots=True)
class AssignmentNeed:
    skill: str | None = None
    language: str | None = None
    customer_tags: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, skill: str | None, language: str | None, customer_tags: Iterable[str] = ()) -> AssignmentNeed:
        return cls(skill.lower() if skill else None, normalize_language(language),
                   frozenset(t.lower() for t in customer_tags))


def choose_agent(candidates: Sequence[AgentLoad], need: AssignmentNeed) -> AgentLoad | None:
    """The best candidate with capacity, or None when everyone is full (the handoff waits)."""
    skill, language, tags = need.skill, need.language, need.customer_tags
    best: AgentLoad | None = None
    best_key: tuple[bool, bool, bool, float, str, str] | None = None
    for c in candidates:
        if c.active >= c.max_chats:
            continue
        # Tuples compare left to right; False sorts before True, so "missing" ranks later.
        key = (
            skill is not None and skill not in c.skills,
            bool(tags) and tags.isdisjoint(c.skills),
            language is not None and language not in c.languages,
            c.active / c.max_chats,
            c.last_assigned_at or "",  # "" sorts before every timestamp: never assigned waits longest
            c.agent_id,
        )
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best
