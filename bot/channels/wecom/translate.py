"""WeCom's decrypted application messages -> what to feed. Text, image, voice, location; the
enter_agent and subscribe events (a welcome); the rest is ignored. Every message is keyed by its
MsgId, an event by FromUserName + CreateTime (the customer id is FromUserName, so the key is
"e:<CreateTime>:<event>")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

from bot.channels.wechat.translate import BadMessage, refuse_markup
from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent
from bot.core.patterns import valid_id

CHANNEL = "wecom"


@dataclass(frozen=True, slots=True)
class Pushed:
    """kind: "turn" (feed `text`), "welcome" (enter_agent / subscribe) or "ignore"."""

    kind: str
    userid: str
    message_id: str
    text: str = ""
    event_name: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def event(self, channel: str = CHANNEL) -> InboundEvent:
        meta = {"client_id": self.message_id, **self.metadata}
        return InboundEvent(channel, self.userid, self.text[:MAX_MESSAGE_CHARS], message_id=self.message_id,
                            metadata=meta, replies_by_outbox=True)


def parse(xml: str) -> Pushed:
    import xmltodict

    refuse_markup(xml)
    try:
        root = xmltodict.parse(xml, disable_entities=True)
        raw = root.get("xml") if isinstance(root, dict) else None
    except (ExpatError, ValueError, TypeError) as exc:
        raise BadMessage(f"not a WeCom message ({type(exc).__name__})") from None
    if not isinstance(raw, dict):
        raise BadMessage("not a WeCom message")
    userid, created = _str(raw, "FromUserName"), _str(raw, "CreateTime")
    if not userid or not valid_id(userid):
        raise BadMessage("FromUserName is required")
    if not created.isdigit():
        raise BadMessage("CreateTime must be a unix timestamp")
    msg_type = _str(raw, "MsgType").lower()
    if msg_type == "event":
        event = _str(raw, "Event").lower()
        kind = "welcome" if event in ("enter_agent", "subscribe") else "ignore"
        return Pushed(kind, userid, f"e:{created}:{event}", event_name=event)
    msg_id = _str(raw, "MsgId")
    if not msg_id.isdigit():
        msg_id = f"m:{created}:{msg_type}"

    def turn(text: str, **meta: Any) -> Pushed:
        return Pushed("turn", userid, msg_id, text, metadata={k: v for k, v in meta.items() if v})

    if msg_type == "text":
        content = _str(raw, "Content")
        return turn(content) if content else Pushed("ignore", userid, msg_id)
    if msg_type == "voice":
        return turn(_str(raw, "Recognition") or "[语音]", media_id=_str(raw, "MediaId"), voice=True)
    if msg_type == "image":
        return turn("[图片]", media_id=_str(raw, "MediaId"), pic_url=_str(raw, "PicUrl"))
    if msg_type == "location":
        lat, lng, label = _str(raw, "Location_X"), _str(raw, "Location_Y"), _str(raw, "Label")
        where = " ".join(p for p in (label, f"({lat}, {lng})" if lat and lng else "") if p)
        return turn(f"[位置] {where}".strip(), latitude=lat, longitude=lng, label=label)
    return Pushed("ignore", userid, msg_id)


def _str(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""
