"""Agent directory: tokens shown once and stored hashed, presence, online hours."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from bot.agents.directory import AgentDirectory, AgentInputError
from bot.agents.model import DuplicateAgent
from bot.agents.presence import OnlineHours
from bot.config import Settings
from bot.store import Store


@pytest.fixture
def directory(settings: Settings, store: Store) -> AgentDirectory:
    return AgentDirectory(settings, store)


async def test_token_authenticates_and_only_its_hash_is_stored(directory: AgentDirectory, store: Store) -> None:
    agent, token = await directory.add("alice", "Alice", skills=["refund", "billing"], languages=["zh", "EN"])
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert agent.languages == ("zh", "en") and agent.max_concurrent_chats == 5  # config default
    found = await directory.by_token(token)
    assert found is not None and found.id == "alice"
    row = await store.db.fetchone("SELECT token_hash FROM agents WHERE id = 'alice'")
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    dump = "\n".join(str(tuple(r)) for r in await store.db.fetchall("SELECT * FROM agents"))
    assert token not in dump


@pytest.mark.parametrize("token", ["", "nope", "x" * 300])
async def test_unknown_tokens_find_nobody(directory: AgentDirectory, token: str) -> None:
    await directory.add("alice", "Alice")
    assert await directory.by_token(token) is None


async def test_two_agents_get_different_tokens(directory: AgentDirectory) -> None:
    _, t1 = await directory.add("a1", "A")
    _, t2 = await directory.add("a2", "B")
    assert t1 != t2
    assert (await directory.by_token(t2)).id == "a2"  # type: ignore[union-attr]


async def test_duplicate_id_is_refused(directory: AgentDirectory) -> None:
    await directory.add("alice", "Alice")
    with pytest.raises(DuplicateAgent):
        await directory.add("alice", "Someone else")
    assert len(await directory.list()) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"agent_id": "bad id!"}, "agent_id"),
        ({"agent_id": ""}, "agent_id"),
        ({"name": "  "}, "name"),
        ({"languages": ["chinese!"]}, "languages"),
        ({"skills": ["x" * 41]}, "skills"),
        ({"max_concurrent_chats": 0}, "max_concurrent_chats"),
        ({"max_concurrent_chats": 101}, "max_concurrent_chats"),
    ],
)
async def test_invalid_agent_input_names_the_field(directory: AgentDirectory, kwargs: dict, field: str) -> None:
    args = {"agent_id": "a1", "name": "A", **kwargs}
    with pytest.raises(AgentInputError) as err:
        await directory.add(args.pop("agent_id"), args.pop("name"), **args)
    assert err.value.field == field
    assert await directory.list() == []


async def test_last_seen_is_written_at_most_every_30_seconds(directory: AgentDirectory, store: Store) -> None:
    _, token = await directory.add("alice", "Alice")
    await directory.by_token(token)
    first = (await directory.get("alice")).last_seen_at  # type: ignore[union-attr]
    assert first is not None
    await directory.by_token(token)
    assert (await directory.get("alice")).last_seen_at == first  # type: ignore[union-attr]


async def test_idle_online_agents_go_away_and_come_back_on_activity(
    directory: AgentDirectory, settings: Settings
) -> None:
    _, token = await directory.add("alice", "Alice")
    await directory.add("bob", "Bob")
    await directory.set_status("alice", "online")
    await directory.set_status("bob", "away")  # chose away himself
    later = datetime.now(UTC) + timedelta(seconds=settings.agents.auto_away_after + 5)
    assert await directory.sweep_presence(datetime.now(UTC)) == []  # not idle yet
    assert await directory.sweep_presence(later) == ["alice"]
    assert (await directory.get("alice")).status == "away"  # type: ignore[union-attr]
    back = await directory.by_token(token)
    assert back is not None and back.status == "online"
    assert (await directory.get("bob")).status == "away"  # type: ignore[union-attr]


async def test_status_must_be_known(directory: AgentDirectory) -> None:
    await directory.add("alice", "Alice")
    with pytest.raises(AgentInputError):
        await directory.set_status("alice", "busy")
    assert await directory.set_status("ghost", "online") is None


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, 6, hour, minute).astimezone()  # naive → the server's local time


@pytest.mark.parametrize(
    ("spec", "at", "within", "back"),
    [
        ("09:00-18:00", local(10), True, local(10)),
        ("09:00-18:00", local(8, 30), False, local(9)),
        ("09:00-18:00", local(18), False, local(9) + timedelta(days=1)),
        ("09:00-18:00", local(23), False, local(9) + timedelta(days=1)),
        ("21:00-09:00", local(23), True, local(23)),
        ("21:00-09:00", local(3), True, local(3)),
        ("21:00-09:00", local(12), False, local(21)),
        ("00:00-24:00", local(4), True, local(4)),
    ],
)
def test_online_hours(spec: str, at: datetime, within: bool, back: datetime) -> None:
    hours = OnlineHours.parse(spec)
    assert hours.within(at) is within
    assert hours.next_start(at) == back


def test_directory_uses_configured_hours(directory: AgentDirectory) -> None:
    assert directory.within_online_hours()  # the test config keeps the default 00:00-24:00
    now = datetime.now(UTC)
    assert directory.next_online_at(now) == now
