"""The provider-neutral voice turn: what one webhook / callback of a call says (`VoiceTurn`), and
what the bot answers (`SpokenReply`). Adapters (twilio.py, alicloud.py) translate to and from
these; bot/channels/phone/dialog.py decides.

A call is a sequence of rounds: every answer that listens again names the next round, and the
provider's next request for the call carries it back (Twilio: the Gather's action URL; Alibaba
Cloud: the adapter's per-call memory). The runtime's message id of a turn is call id + round, so
a retried request (same call, same round) is the same message and gets the stored answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CHANNEL = "phone"
MAX_PENDING = 300  # characters of a transcript kept for its confirmation


@dataclass(frozen=True, slots=True)
class CallState:
    """Where a call is: the round the next request answers, silences in a row, and a transcript
    that waits for the caller's "是" (low confidence)."""

    round: int = 0
    silences: int = 0
    pending: str = ""

    def next(self, *, silences: int = 0, pending: str = "") -> CallState:
        return CallState(self.round + 1, silences, pending[:MAX_PENDING])


@dataclass(frozen=True, slots=True)
class VoiceTurn:
    provider: str  # twilio | alicloud
    call_id: str
    caller: str  # the caller's number: the customer id
    transcript: str = ""
    confidence: float | None = None  # 0..1; None: the provider gave none (trusted)
    digits: str = ""  # DTMF keys pressed
    hangup: bool = False
    start: bool = False  # the call was just answered: greet
    state: CallState = field(default_factory=CallState)

    @property
    def silence(self) -> bool:
        """Nothing heard and no key pressed (also: a transcript that is only noise)."""
        return not self.hangup and not self.start and not self.digits and not self.transcript.strip()

    @property
    def message_id(self) -> str:
        return f"{self.call_id}:{self.state.round}"


@dataclass(frozen=True, slots=True)
class SpokenReply:
    """Text to speak, then listen (the default), transfer to `transfer` or hang up."""

    text: str
    next: CallState = field(default_factory=CallState)
    language: str = "zh-CN"
    barge_in: bool = True  # the caller may speak over it
    transfer: str | None = None  # the number to dial (a human)
    hang_up: bool = False

    @property
    def listens(self) -> bool:
        return self.transfer is None and not self.hang_up


_DIGITS = re.compile(r"\d")


def mask_number(number: str) -> str:
    """A caller's number as logs show it: "+86138****8000" (the last 4 digits, the prefix)."""
    digits = _DIGITS.findall(number)
    if len(digits) <= 4:
        return "*" * len(number)
    keep = number[: min(6, max(len(number) - 8, 1))] if number.startswith("+") else number[:3]
    return f"{keep}****{number[-4:]}"
