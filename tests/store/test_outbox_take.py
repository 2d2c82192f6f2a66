"""take_for_reply against claim_due: a row goes out by the platform's response or by a delivery
round, never both."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.model import MessageRecord
from bot.core.clock import utcnow
from bot.store import Store


def _iso(seconds: float = 0) -> str:
    return (utcnow() + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


async def test_a_row_is_taken_or_claimed_never_both(store: Store) -> None:
    conv = await store.conversations.create("oWx1", "wechat", "zh")
    seqs = [(await store.messages.add_outbound(MessageRecord(conv.id, "out", "bot", f"m{i}"), conv)).id
            for i in range(4)]
    assert all(isinstance(s, int) for s in seqs)
    claimed = await store.outbox.claim_due(_iso(), _iso(30), limit=1)  # a round leased the first
    assert [c.message.id for c in claimed] == seqs[:1]
    backing_off = (await store.outbox.claim_due(_iso(), _iso(30), limit=1))[0]
    await store.outbox.mark(backing_off.id, "pending", 1, _iso(-1), "timeout")  # tried once, due again
    taken = await store.outbox.take_for_reply(seqs, _iso())  # type: ignore[arg-type]
    assert [t.message.text for t in taken] == ["m2", "m3"] and {t.status for t in taken} == {"sent"}
    assert await store.outbox.take_for_reply(seqs, _iso()) == []  # type: ignore[arg-type]
    due = await store.outbox.claim_due(_iso(), _iso(30))
    assert [d.message.text for d in due] == ["m1"]  # the retry is the round's; the taken rows are not
    assert await store.outbox.take_for_reply([], _iso()) == []
