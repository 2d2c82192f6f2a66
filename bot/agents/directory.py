"""Agents: directory, API tokens, presence.

A token is `secrets.token_urlsafe(32)` (256 bits), shown once by `add`, stored as its SHA-256.
Presence: agents set online/away/offline themselves; an online agent idle for
`agents.auto_away_after` seconds is set away by `sweep_presence`, and comes back online by
itself on its next authenticated request (a manual away stays away).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from bot.agents.model import STATUSES, Agent
from bot.agents.presence import OnlineHours
from bot.core.clock import now_iso, parse_ts
from bot.handoff.assignment import AgentLoad

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store

log = structlog.get_logger(__name__)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
TOUCH_EVERY = timedelta(seconds=30)  # last_seen_at is a presence hint, not an audit log


class AgentInputError(ValueError):
    """Invalid agent data; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean_list(field: str, values: Iterable[str], pattern: re.Pattern[str] | None, max_len: int) -> tuple[str, ...]:
    out: list[str] = []
    for raw in values:
        v = raw.strip()
        if not v:
            continue
        if len(v) > max_len or (pattern is not None and not pattern.fullmatch(v)):
            raise AgentInputError(field, f"invalid value {v!r}")
        if v not in out:
            out.append(v)
    if len(out) > 20:
        raise AgentInputError(field, "at most 20 values")
    return tuple(out)


class AgentDirectory:
    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._hours = OnlineHours.parse(settings.agents.online_hours)
        # Agents set away by the idle sweep (not by themselves): activity brings them back.
        self._auto_away: set[str] = set()
        self._parse_cache: dict[tuple[str, str], frozenset[str]] = {}
        self._online, self._online_checked = False, -1e9

    async def add(
        self,
        agent_id: str,
        name: str,
        *,
        skills: Iterable[str] = (),
        languages: Iterable[str] = (),
        max_concurrent_chats: int | None = None,
    ) -> tuple[Agent, str]:
        """Create an agent; returns it with its plain API token (the only time it exists)."""
        agent_id, name = agent_id.strip(), name.strip()
        if not _ID.fullmatch(agent_id):
            raise AgentInputError("agent_id", "use 1-64 letters, digits, '.', '-' or '_'")
        if not name or len(name) > 100:
            raise AgentInputError("name", "must be 1-100 characters")
        max_chats = self._settings.agents.max_concurrent_chats if max_concurrent_chats is None else max_concurrent_chats
        if not 1 <= max_chats <= 100:
            raise AgentInputError("max_concurrent_chats", "must be between 1 and 100")
        agent = Agent(
            id=agent_id,
            name=name,
            skills=_clean_list("skills", skills, None, 40),
            languages=_clean_list("languages", (v.lower() for v in languages), _LANG, 16),
            max_concurrent_chats=max_chats,
            created_at=now_iso(),
        )
        token = secrets.token_urlsafe(32)
        await self._store.agents.add(agent, hash_token(token))  # raises DuplicateAgent
        log.info("agent_added", agent_id=agent_id)
        return agent, token

    async def get(self, agent_id: str) -> Agent | None:
        return await self._store.agents.get(agent_id)

    async def list(self) -> list[Agent]:
        return await self._store.agents.list()

    async def by_token(self, token: str) -> Agent | None:
        """The agent a bearer token belongs to, or None (plugged into the API's auth)."""
        if not token or len(token) > 256:
            return None
        agent = await self._store.agents.by_token_hash(hash_token(token))
        if agent is None:
            return None
        now = datetime.now(UTC)
        if self._expired(agent, now):
            log.info("agent_token_expired", agent_id=agent.id)
            return None
        if agent.id in self._auto_away and agent.status == "away":
            return await self.set_status(agent.id, "online")
        seen = parse_ts(agent.last_seen_at)
        if seen is None or now - seen >= TOUCH_EVERY:
            await self._store.agents.touch(agent.id, now.isoformat(timespec="microseconds"))
        return agent

    def _expired(self, agent: Agent, now: datetime) -> bool:
        ttl = self._settings.agents.token_ttl_days
        issued = parse_ts(agent.token_issued_at or agent.created_at)
        return ttl > 0 and issued is not None and now - issued >= timedelta(days=ttl)

    async def rotate_token(self, agent_id: str) -> str:
        """A new API token for the agent (shown once); the old one stops working at once."""
        token = secrets.token_urlsafe(32)
        if not await self._store.agents.replace_token(agent_id, hash_token(token), now_iso()):
            raise AgentInputError("agent_id", f"no agent {agent_id!r}")
        log.info("agent_token_rotated", agent_id=agent_id)
        return token

    async def set_status(self, agent_id: str, status: str) -> Agent | None:
        if status not in STATUSES:
            raise AgentInputError("status", f"must be one of {', '.join(STATUSES)}")
        if not await self._store.agents.set_status(agent_id, status, now_iso()):
            return None
        self._auto_away.discard(agent_id)
        self._online_checked = -1e9  # the widget's "agents online" must not lag a status change
        log.info("agent_status", agent_id=agent_id, status=status)
        return await self._store.agents.get(agent_id)

    async def sweep_presence(self, now: datetime | None = None) -> list[str]:
        """Set online agents idle longer than `auto_away_after` to away; returns their ids."""
        idle = self._settings.agents.auto_away_after
        if idle <= 0:
            return []
        cutoff = ((now or datetime.now(UTC)) - timedelta(seconds=idle)).astimezone(UTC)
        before = cutoff.isoformat(timespec="microseconds")
        ids = [a.id for a in await self._store.agents.idle_since("online", before)]
        if ids:
            await self._store.agents.mark_away(ids, before)
            self._auto_away.update(ids)
            log.info("agents_auto_away", count=len(ids))
        return ids

    def within_online_hours(self, now: datetime | None = None) -> bool:
        return self._hours.within(now or datetime.now(UTC))

    def next_online_at(self, now: datetime | None = None) -> datetime:
        """Local time agents are next on duty (`now` itself during online hours)."""
        return self._hours.next_start(now or datetime.now(UTC))

    async def any_online(self) -> bool:
        """Whether a human can answer now (the widget's "leave a message" offer); cached 2 s, as
        every connected widget asks on each change."""
        now = time.monotonic()
        if now - self._online_checked > 2.0:
            self._online = bool(await self._store.agents.list("online")) and self.within_online_hours()
            self._online_checked = now
        return self._online

    async def online_loads(self) -> list[AgentLoad]:
        """Online agents with their current number of chats: the input of `choose_agent`.
        One query; the skill and language lists are parsed once per distinct value (hot path)."""
        rows = await self._store.agents.online_with_load()
        return [
            AgentLoad(agent_id, active, max_chats, self._skills(skills), self._languages(languages), last)
            for agent_id, skills, languages, max_chats, last, active in rows
        ]

    def _skills(self, raw: str) -> frozenset[str]:
        return self._parsed(("s", raw), lambda: frozenset(s.lower() for s in json.loads(raw)))

    def _languages(self, raw: str) -> frozenset[str]:
        return self._parsed(("l", raw), lambda: AgentLoad.of("", 0, 1, languages=json.loads(raw)).languages)

    def _parsed(self, key: tuple[str, str], parse: Callable[[], frozenset[str]]) -> frozenset[str]:
        value = self._parse_cache.get(key)
        if value is None:
            if len(self._parse_cache) > 10_000:
                self._parse_cache.clear()
            value = self._parse_cache[key] = parse()
        return value
