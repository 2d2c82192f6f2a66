"""One voice turn answered, whatever the provider: a `VoiceTurn` in, a `SpokenReply` out.

- The call starts: the greeting (channels.phone.greeting), listening.
- Speech or keys enter the runtime as an `InboundEvent` (channel "phone", the caller's number as
  customer id, message id = call id + round): a retried request is the same message, and the
  runtime's dedupe hands back the stored result, which is spoken again (nothing stored twice).
  A key or a spoken number ("2", "二", "第二个") picks an option of the last reply with buttons.
- A transcript below channels.phone.min_confidence is confirmed first ("您是说……吗？请说是或不是");
  "是" (or key 1) acts on it, "不是" (key 2) asks again, anything else is a new utterance.
- Silence (no transcript, no key) re-prompts `max_silences` times, then offers a human (key 0)
  when channels.phone.human_number is set, and then hangs up politely.
- Key 0, or a turn the runtime hands to a human, transfers the call to channels.phone.human_number
  (a human on the phone, not the chat queue): the handoff is ended as "phone_transfer" and the
  conversation closed, so no chat agent picks up a call that is already gone. Without a number the
  caller is told an agent will call back, and the conversation stays queued for one.
- Hang-up closes the conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from bot.channels.phone.speech import chosen, spoken
from bot.channels.phone.turn import CHANNEL, CallState, SpokenReply, VoiceTurn, mask_number
from bot.conversation.machine import OPEN_STATES
from bot.core.clock import now_iso
from bot.core.events import MAX_MESSAGE_CHARS, Button, InboundEvent, Reply
from bot.handoff.signals import QUEUE

if TYPE_CHECKING:
    from bot.channels.context import ConnectorServices as Services
    from bot.channels.settings import PhoneChannel as PhoneSettings

log = structlog.get_logger(__name__)

YES = frozenset({"是", "是的", "对", "对的", "对啊", "没错", "嗯", "好", "好的",
                 "yes", "yeah", "yep", "right", "correct"})
NO = frozenset({"不是", "不", "不对", "错了", "没有", "no", "nope", "wrong"})
HANDOFF_TEXT = {"zh": "转人工", "en": "human agent"}

PROMPTS: dict[str, dict[str, str]] = {
    "zh": {
        "confirm": "您是说“{text}”吗？请说是或不是。",
        "again": "好的，请您再说一遍。",
        "silence": "抱歉，我没有听清，请您再说一遍。",
        "offer": "如需人工服务请按 0，或者直接说出您的问题。",
        "bye": "感谢您的来电，再见。",
        "transfer": "正在为您转接人工客服，请稍候。",
        "no_human": "暂时无法转接人工客服，我们已记录您的问题，稍后会有客服给您回电。再见。",
        "more": "还有其他问题吗？",
    },
    "en": {
        "confirm": "Did you say \u201c{text}\u201d? Please say yes or no.",
        "again": "All right, please say that again.",
        "silence": "Sorry, I did not catch that. Please say it again.",
        "offer": "Press 0 for an agent, or just tell me your question.",
        "bye": "Thank you for calling. Goodbye.",
        "transfer": "Transferring you to an agent, please hold.",
        "no_human": "No agent can take the call right now; we noted your request and will call you back. Goodbye.",
        "more": "Anything else?",
    },
}


def _norm(text: str) -> str:
    return text.strip().lower().strip("。.!！?？,， ")


class PhoneDialog:
    def __init__(self, services: Services, settings: PhoneSettings) -> None:
        self._services = services
        self.settings = settings
        self.lang = "en" if settings.language.lower().startswith("en") else "zh"

    def _say(self, key: str, **values: str) -> str:
        return PROMPTS[self.lang][key].format(**values)

    def _reply(self, text: str, state: CallState, **kw: Any) -> SpokenReply:
        return SpokenReply(text, state, self.settings.language, **kw)

    async def answer(self, turn: VoiceTurn) -> SpokenReply:
        state = turn.state
        log.info("phone_turn", provider=turn.provider, caller=mask_number(turn.caller), round=state.round,
                 silence=turn.silence, digits=bool(turn.digits), hangup=turn.hangup)
        if turn.hangup:
            await self.end_call(turn.caller, "hangup")
            return self._reply("", state, hang_up=True)
        if turn.start:
            return self._reply(self.settings.greeting, state.next())
        if turn.digits.startswith("0"):
            return await self._transfer(turn, await self._feed(turn, HANDOFF_TEXT[self.lang]))
        if state.pending:
            said = _norm(turn.transcript)
            if said in YES or turn.digits == "1":
                return await self._act(turn, state.pending)
            if said in NO or turn.digits == "2":
                return self._reply(self._say("again"), state.next())
            if turn.silence:
                return self._silence(turn, confirm=state.pending)
        if turn.silence:
            return self._silence(turn)
        if turn.digits:
            return await self._act(turn, turn.digits)
        text = turn.transcript.strip()
        if turn.confidence is not None and turn.confidence < self.settings.min_confidence:
            return self._reply(self._say("confirm", text=text[:120]), state.next(pending=text))
        return await self._act(turn, text)

    def _silence(self, turn: VoiceTurn, *, confirm: str = "") -> SpokenReply:
        state = turn.state
        silences = state.silences + 1
        if silences <= self.settings.max_silences:
            text = self._say("confirm", text=confirm[:120]) if confirm else self._say("silence")
            return self._reply(text, state.next(silences=silences, pending=confirm))
        if silences == self.settings.max_silences + 1 and self.settings.human_number:
            return self._reply(self._say("offer"), state.next(silences=silences))
        return self._reply(self._say("bye"), state, hang_up=True)

    async def _act(self, turn: VoiceTurn, said: str) -> SpokenReply:
        text = said
        button = chosen(said, await self._last_buttons(turn.caller))
        if button is not None:
            text = button.value
        body = await self._feed(turn, text, chosen=button.label if button else None)
        if body.get("route") == "handoff" or body.get("state") in ("queued", "agent"):
            return await self._transfer(turn, body)
        replies = tuple(Reply(str(r.get("type", "text")), str(r.get("text", "")),
                              tuple(Button(str(b.get("label", "")), str(b.get("value", "")))
                                    for b in r.get("buttons") or ()))
                        for r in body.get("replies") or ())
        words = spoken(replies, self.settings.language) or self._say("more")
        return self._reply(words, turn.state.next())

    async def _transfer(self, turn: VoiceTurn, body: dict[str, Any]) -> SpokenReply:
        number = self.settings.human_number
        if not number:
            log.warning("phone_transfer_unavailable", caller=mask_number(turn.caller),
                        hint="set channels.phone.human_number to transfer calls")
            return self._reply(self._say("no_human"), turn.state, hang_up=True)
        await self.end_call(turn.caller, "phone_transfer", conversation_id=str(body.get("conversation_id") or ""))
        log.info("phone_transferred", caller=mask_number(turn.caller), call_id=turn.call_id)
        return self._reply(self._say("transfer"), turn.state, transfer=number)

    async def _feed(self, turn: VoiceTurn, text: str, **meta: Any) -> dict[str, Any]:
        metadata = {"client_id": turn.message_id, "call_id": turn.call_id, "provider": turn.provider,
                    "voice": True, **{k: v for k, v in meta.items() if v is not None}}
        if turn.confidence is not None:
            metadata["confidence"] = round(turn.confidence, 3)
        if turn.digits:
            metadata["dtmf"] = turn.digits
        event = InboundEvent(CHANNEL, turn.caller, text[:MAX_MESSAGE_CHARS], message_id=turn.message_id,
                             metadata=metadata)
        return await self._services.runtime.feed(event)

    async def _last_buttons(self, caller: str) -> tuple[Button, ...]:
        store = self._services.store
        conv = await store.conversations.latest_for(caller, CHANNEL)
        recent = await store.messages.messages(conv.id, limit=1) if conv is not None else []
        last = recent[-1] if recent else None
        if last is None or last.direction != "out" or not last.meta.get("buttons"):
            return ()
        return tuple(Button(str(b.get("label", "")), str(b.get("value", ""))) for b in last.meta["buttons"])

    async def end_call(self, caller: str, outcome: str, *, conversation_id: str = "") -> None:
        """The call is over (hang-up) or left for a human on the phone: end an open handoff and
        close the conversation. Idempotent: a retried request finds it closed."""
        svc = self._services
        async with svc.locks.hold(CHANNEL, caller):
            conv = (await svc.store.conversations.get(conversation_id) if conversation_id
                    else await svc.store.conversations.latest_for(caller, CHANNEL))
            if conv is None or conv.state not in OPEN_STATES:
                return
            handoff = await svc.store.handoffs.open_for(conv.id)
            if handoff is not None:
                await svc.store.handoffs.end(handoff.id, now_iso(), outcome)
            trigger = "skip_rating" if conv.state == "rating" else "close"
            await svc.store.conversations.save(svc.machine.fire(conv, trigger))
        if handoff is not None:
            svc.handoff.changes.notify(QUEUE)  # consoles drop it from the queue
        if conv.agent_id:
            svc.handoff.changes.notify(conv.agent_id)  # and from the chats of the agent who had it
        log.info("phone_conversation_closed", conversation_id=conv.id, outcome=outcome)
