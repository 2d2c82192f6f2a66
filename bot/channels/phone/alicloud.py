"""Alibaba Cloud voice callbacks (智能语音交互 / 云呼叫中心 robot callback) <-> `VoiceTurn` / `SpokenReply`.

Written without network access to the provider's documentation, after the shape of its
intelligent inbound/outbound robot callback (the robot platform posts each recognised
utterance, key or call event and plays back what the answer says); everything the provider
decides lives in this one module so it can be corrected in one place.

Request: `POST /channels/phone/alicloud`, JSON (UTF-8):

    {"token": "<channels.phone.secret_token>",        # or header X-Alicloud-Token
     "call_id": "<the call's id>",                    # aliases: callId, conversation_id, conversationId
     "caller": "+8613800138000",                      # aliases: calling_number, callingNumber, from
     "event": "start" | "asr" | "dtmf" | "silence" | "hangup",   # default: asr, or dtmf with a key
     "asr_text": "多久可以发货",                        # aliases: text, utterance
     "confidence": 0.92,                              # 0..1; 0..100 is read as a percentage
     "dtmf": "1",                                     # aliases: digits
     "seq": 3}                                        # optional: the provider's turn sequence

Response (200, JSON):

    {"action": "play_and_listen" | "transfer" | "hangup",
     "text": "<what to say first>",
     "interruptible": true,                           # barge-in
     "language": "zh-CN", "voice": "<channels.phone.voice or null>",
     "transfer_to": "<channels.phone.human_number>"}  # only with action transfer

The token is compared in constant time (403 when missing or wrong; nothing is processed).
The provider does not carry our state back, so a call's state (round, silences, a transcript to
confirm) is kept here per call id, in memory (`CallBoard`, forgotten an hour after the call's last callback).
The turn's message id is call id + `seq` when the provider sends one, else + our round; a
callback retried with the same body is answered from the board with the same answer, and the
runtime's dedupe backs it (a retry after a restart, with `seq`, is the same message).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from bot.channels.phone.turn import CallState, SpokenReply, VoiceTurn

PATH = "/channels/phone/alicloud"
TOKEN_HEADER = "X-Alicloud-Token"
EVENTS = frozenset({"start", "asr", "dtmf", "silence", "hangup"})
CALL_TTL = 3600.0
MAX_CALLS = 10_000


class BadRequest(ValueError):
    """Not a callback we can read (400)."""


def token_matches(given: str, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def _field(data: dict[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def given_token(data: dict[str, Any], header: str | None) -> str:
    return header or _field(data, "token", "secret_token")


@dataclass(frozen=True, slots=True)
class Callback:
    turn: VoiceTurn
    fingerprint: str  # the request, less the token: a retry has the same one


def parse(data: dict[str, Any], state: CallState) -> Callback:
    call_id = _field(data, "call_id", "callId", "conversation_id", "conversationId")
    caller = _field(data, "caller", "calling_number", "callingNumber", "from")
    if not call_id or len(call_id) > 128:
        raise BadRequest("call_id: required")
    if not caller or len(caller) > 64:
        raise BadRequest("caller: required")
    digits = "".join(c for c in _field(data, "dtmf", "digits") if c.isdigit() or c in "*#")[:16]
    event = _field(data, "event").lower() or ("dtmf" if digits else "asr")
    if event not in EVENTS:
        raise BadRequest(f"event: one of {', '.join(sorted(EVENTS))}")
    confidence: float | None = None
    raw = data.get("confidence")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        confidence = float(raw) / 100 if raw > 1 else float(raw)
        confidence = min(max(confidence, 0.0), 1.0)
    seq = _field(data, "seq")
    if seq and seq.isdigit():
        state = replace(state, round=int(seq))
    text = _field(data, "asr_text", "text", "utterance")[:2000] if event in ("asr", "dtmf") else ""
    turn = VoiceTurn("alicloud", call_id, caller, transcript=text, confidence=confidence,
                     digits=digits if event in ("asr", "dtmf") else "", hangup=event == "hangup",
                     start=event == "start", state=state)
    body = {k: v for k, v in data.items() if k not in ("token", "secret_token")}
    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return Callback(turn, fingerprint)


def answer(reply: SpokenReply, voice: str | None) -> dict[str, Any]:
    action = "transfer" if reply.transfer is not None else "hangup" if reply.hang_up else "play_and_listen"
    out: dict[str, Any] = {"action": action, "text": reply.text, "interruptible": reply.barge_in,
                           "language": reply.language, "voice": voice}
    if reply.transfer is not None:
        out["transfer_to"] = reply.transfer
    return out


def call_id_of(data: dict[str, Any]) -> str:
    return _field(data, "call_id", "callId", "conversation_id", "conversationId")


@dataclass(slots=True)
class _Call:
    state: CallState
    last: tuple[str, dict[str, Any]] | None  # (fingerprint, answer) of the latest callback
    seen: float


class CallBoard:
    """Each live call's state, and its latest answer (a retried callback gets it again)."""

    def __init__(self) -> None:
        self._calls: OrderedDict[str, _Call] = OrderedDict()

    def state(self, call_id: str) -> CallState:
        self._expire()
        call = self._calls.get(call_id)
        return call.state if call is not None else CallState()

    def repeated(self, call_id: str, fingerprint: str) -> dict[str, Any] | None:
        call = self._calls.get(call_id)
        if call is not None and call.last is not None and call.last[0] == fingerprint:
            return call.last[1]
        return None

    def record(self, call_id: str, state: CallState, fingerprint: str, out: dict[str, Any]) -> None:
        # kept after a transfer or hang-up too (until CALL_TTL): their retries get the same answer
        self._calls[call_id] = _Call(state, (fingerprint, out), time.monotonic())
        self._calls.move_to_end(call_id)
        while len(self._calls) > MAX_CALLS:
            self._calls.popitem(last=False)

    def _expire(self) -> None:
        cutoff = time.monotonic() - CALL_TTL
        while self._calls:
            first = next(iter(self._calls.values()))
            if first.seen >= cutoff:
                return
            self._calls.popitem(last=False)
