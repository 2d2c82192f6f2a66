"""What one pushed WeChat message sets off: a turn of the runtime (always with the replies in the
outbox) or the welcome; each returns the message seqs of the replies it produced, so the request
can answer with them (bot/channels/wechat/turns.py).

The turn's replies are found beside the customer's message: the runtime stores the platform
message id with it (`client_id`), and the turn's replies follow it in the same transaction. A
duplicate (a retry the runtime has answered before) finds the same rows. The welcome is a stored
message marked with the event's id (`reply_to`), written under the customer's lock: finding
that mark is the dedupe of a subscribe that WeChat sends again, before or after a restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.wechat.translate import CHANNEL, NUMBER, Pushed, chosen_button
from bot.conversation.model import MessageRecord
from bot.core.events import Button, InboundEvent
from bot.store import Store

if TYPE_CHECKING:
    from bot.app import Services

RECENT = 100  # messages of the conversation searched for a retried message's replies


async def run_turn(services: Services, pushed: Pushed) -> list[int]:
    event = await _as_event(services.store, pushed)
    body = await services.runtime.feed(event)
    return await reply_seqs(services.store, str(body["conversation_id"]), pushed.message_id,
                            len(body.get("replies") or ()))


async def reply_seqs(store: Store, conversation_id: str, message_id: str, replies: int) -> list[int]:
    """The seqs of the `replies` bot messages the turn of `message_id` wrote."""
    if replies <= 0:
        return []
    messages = await store.messages.messages(conversation_id, limit=RECENT)
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m.direction == "in" and m.meta.get("client_id") == message_id:
            after = messages[i + 1 : i + 1 + replies]
            return [r.id for r in after if r.direction == "out" and r.sender == "bot" and r.id is not None]
    return []


async def _as_event(store: Store, pushed: Pushed) -> InboundEvent:
    """A bare number picks a button of the last message the customer got, when that one has
    buttons (they are numbered lines here); otherwise it is just a number (a rating, a count)."""
    if NUMBER.fullmatch(pushed.text):
        conv = await store.conversations.latest_for(pushed.openid, CHANNEL)
        recent = await store.messages.messages(conv.id, limit=1) if conv is not None else []
        last = recent[-1] if recent else None
        if last is not None and last.direction == "out" and last.meta.get("buttons"):
            buttons = tuple(Button(str(b.get("label", "")), str(b.get("value", ""))) for b in last.meta["buttons"])
            chosen = chosen_button(pushed.text, buttons)
            if chosen is not None and chosen.value:
                return pushed.event(chosen.value, label=chosen.label)
    return pushed.event()


async def welcome(services: Services, pushed: Pushed) -> list[int]:
    """The welcome for a new follower (or a SCAN), once per event."""
    store = services.store
    async with services.locks.hold(CHANNEL, pushed.openid):
        conv = await store.conversations.latest_for(pushed.openid, CHANNEL)
        if conv is None:
            conv = await store.conversations.create(pushed.openid, CHANNEL, "zh")
        else:
            for m in reversed(await store.messages.messages(conv.id, limit=RECENT)):
                if m.meta.get("reply_to") == pushed.message_id and m.id is not None:
                    return [m.id]  # WeChat sent this event again
        meta = {"reply_to": pushed.message_id, **pushed.metadata}
        text = services.settings.channels.wechat.welcome
        stored = await store.messages.add_outbound(MessageRecord(conv.id, "out", "bot", text, meta=meta), conv)
    return [stored.id] if stored.id is not None else []
