"""Twilio Programmable Voice: the voice webhook's form post -> `VoiceTurn`, `SpokenReply` -> TwiML.

Point the number's "A call comes in" webhook (HTTP POST) at `<public_base_url>/channels/phone/twilio`
and, optionally, its status callback at the same URL (a `CallStatus` of completed, busy, failed,
no-answer or canceled closes the conversation).

`X-Twilio-Signature` is base64(HMAC-SHA1(auth_token, URL + every POST parameter's name and value,
sorted by name)), the URL being the full URL Twilio requested, query string included (Twilio's
documented algorithm; the `twilio` package is not needed for ten lines). A request that does not
verify is refused with 403 before anything is read into a turn.

The answer listens with `<Gather input="speech dtmf" actionOnEmptyResult="true">`, whose action URL
carries the call's state: `r` (the round: CallSid + r is the turn's message id, so a retried
webhook is the same message), `s` (silences in a row) and `p` (a transcript waiting for its
confirmation). Twilio signs the action URL it calls back, so the state cannot be forged either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import escape, quoteattr

from bot.channels.phone.turn import CallState, SpokenReply, VoiceTurn

PATH = "/channels/phone/twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"
ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
TWIML = "text/xml"


class BadRequest(ValueError):
    """Not a Twilio voice request we can read (400)."""


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's request signature of a POST to `url` with form `params`."""
    data = url + "".join(k + v for k, v in sorted(params, key=lambda kv: (kv[0], kv[1])))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> list[str]:
    """The URL as given, and with the default port dropped or added (Twilio's own validator
    accepts either: proxies differ in whether they keep it)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if default is None or not host:
        return [url]
    if parts.port is None:
        other = parts._replace(netloc=f"{parts.netloc}:{default}")
    elif parts.port == default:
        other = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
    else:
        return [url]
    return [url, urlunsplit(other)]


def verify(auth_token: str, url: str, params: list[tuple[str, str]], given: str) -> bool:
    if not given or not auth_token:
        return False
    given_b = given.encode("utf-8", "surrogateescape")
    return any(hmac.compare_digest(signature(auth_token, u, params).encode(), given_b) for u in _port_variants(url))


def _int(value: str | None, default: int = 0, top: int = 10_000) -> int:
    try:
        return min(max(int(value or default), 0), top)
    except ValueError:
        return default


def parse(form: dict[str, str], query: dict[str, str]) -> VoiceTurn:
    call_id = form.get("CallSid", "").strip()
    caller = form.get("From", "").strip() or form.get("Caller", "").strip()
    if not call_id or len(call_id) > 64 or not call_id.isalnum():
        raise BadRequest("CallSid: required")
    if not caller or len(caller) > 64:
        raise BadRequest("From: required")
    status = form.get("CallStatus", "").lower()
    first = "r" not in query
    state = CallState(_int(query.get("r")), _int(query.get("s"), top=20), query.get("p", "")[:300])
    confidence: float | None = None
    if form.get("Confidence"):
        try:
            confidence = min(max(float(form["Confidence"]), 0.0), 1.0)
        except ValueError:
            confidence = None
    return VoiceTurn(
        "twilio", call_id, caller, transcript=form.get("SpeechResult", "")[:2000], confidence=confidence,
        digits="".join(c for c in form.get("Digits", "") if c.isdigit() or c in "*#")[:16],
        hangup=status in ENDED, start=first and status not in ENDED, state=state,
    )


def action_url(base: str, state: CallState) -> str:
    query: dict[str, str | int] = {"r": state.round, "s": state.silences}
    if state.pending:
        query["p"] = state.pending
    return f"{base}{PATH}?{urlencode(query)}"


def twiml(reply: SpokenReply, base: str, voice: str | None = None, speech_language: str | None = None) -> str:
    """The TwiML of an answer; `base` is the service's public base URL ("" for a relative action)."""
    say_attrs = f" language={quoteattr(reply.language)}" + (f" voice={quoteattr(voice)}" if voice else "")
    say = f"<Say{say_attrs}>{escape(reply.text)}</Say>" if reply.text else ""
    if reply.transfer is not None:
        body = f"{say}<Dial>{escape(reply.transfer)}</Dial>"
    elif reply.hang_up:
        body = f"{say}<Hangup/>"
    else:
        gather = (f'<Gather input="speech dtmf" action={quoteattr(action_url(base, reply.next))} method="POST"'
                  f' language={quoteattr(speech_language or reply.language)} speechTimeout="auto" numDigits="1"'
                  f' actionOnEmptyResult="true" bargeIn="{str(reply.barge_in).lower()}">')
        body = f"{gather}{say}</Gather>"
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'
