"""`kf/sync_msg`: the messages since the cursor kept for an open_kfid, page by page (`next_cursor`
while `has_more`), fed in order. One sync per open_kfid at a time (a lock: a second callback
waits and pulls from where the first stopped). The cursor is stored (channel_state) after each
page; a restart between a page's turns and its cursor finds those msgids in the runtime's dedupe
(message_id = msgid), so nothing is processed twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent
from bot.core.patterns import valid_id

CHANNEL = "wechat_kf"
PAGE = 1000  # the platform's maximum
CUSTOMER = 3  # origin: 3 the customer, 4 a system event, 5 a servicer (from WeCom's app)


def cursor_key(open_kfid: str) -> str:
    return f"cursor:{open_kfid}"


def account_key(external_userid: str) -> str:
    """The kf account that last heard from a customer: where the replies go from."""
    return f"kf:{external_userid}"


@dataclass(frozen=True, slots=True)
class Pulled:
    msgid: str
    external_userid: str
    open_kfid: str
    text: str
    metadata: dict[str, Any]

    def event(self, channel: str = CHANNEL) -> InboundEvent:
        meta = {"client_id": self.msgid, "open_kfid": self.open_kfid, **self.metadata}
        return InboundEvent(channel, self.external_userid, self.text[:MAX_MESSAGE_CHARS], message_id=self.msgid,
                            metadata=meta, replies_by_outbox=True)


def translate(msg: dict[str, Any]) -> Pulled | None:
    """A customer's message of `msg_list`, or None (events, servicers' messages, unknown types)."""
    if msg.get("origin") != CUSTOMER:
        return None
    msgid, user = str(msg.get("msgid") or ""), str(msg.get("external_userid") or "")
    kf = str(msg.get("open_kfid") or "")
    if not msgid or not user or not valid_id(user) or not kf:
        return None
    kind = msg.get("msgtype")
    body = msg.get(kind) if isinstance(kind, str) and isinstance(msg.get(kind), dict) else {}
    if kind == "text":
        text = str(body.get("content") or "").strip()
        return Pulled(msgid, user, kf, text, {}) if text else None
    if kind == "image":
        return Pulled(msgid, user, kf, "[图片]", {"media_id": str(body.get("media_id") or "")})
    if kind == "voice":
        return Pulled(msgid, user, kf, "[语音]", {"media_id": str(body.get("media_id") or ""), "voice": True})
    if kind == "location":
        name, lat, lng = str(body.get("name") or body.get("address") or ""), body.get("latitude"), body.get("longitude")
        where = " ".join(p for p in (name, f"({lat}, {lng})" if lat is not None and lng is not None else "") if p)
        return Pulled(msgid, user, kf, f"[位置] {where}".strip(), {"latitude": lat, "longitude": lng})
    return None
