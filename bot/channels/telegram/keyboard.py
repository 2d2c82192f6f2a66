"""Buttons as Telegram inline keyboards, and a tapped button's callback_data read back.

callback_data holds 1-64 bytes, so: `v:<value>` when the button's value fits; otherwise
`m:<seq>:<i>`, the stored message and the button's place in it (its meta keeps the buttons, so the
value is read back from the transcript, and only from this customer's own messages); `r:<score>`
for the rating prompt's 1-5.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.events import OutboundMessage, Reply

MAX_DATA = 64  # bytes, the Bot API's limit for callback_data
MAX_LABEL = 120


@dataclass(frozen=True, slots=True)
class Tapped:
    """What a callback_data names: a value, a stored button (seq, index), or a rating score."""

    value: str | None = None
    seq: int | None = None
    index: int | None = None
    score: int | None = None


def button_data(value: str, seq: int | None, index: int) -> str | None:
    data = f"v:{value}"
    if len(data.encode()) <= MAX_DATA:
        return data
    return f"m:{seq}:{index}" if seq is not None else None


def read_data(data: str | None) -> Tapped | None:
    kind, _, rest = (data or "").partition(":")
    if kind == "v" and rest:
        return Tapped(value=rest)
    if kind == "r" and rest in ("1", "2", "3", "4", "5"):
        return Tapped(score=int(rest))
    if kind == "m":
        seq, _, index = rest.partition(":")
        if seq.isdigit() and index.isdigit():
            return Tapped(seq=int(seq), index=int(index))
    return None


def keyboard(message: OutboundMessage, reply: Reply) -> InlineKeyboardMarkup | None:
    """One button a row (suggested questions are long); the rating prompt as 1-5 in one row."""
    if message.kind == "rating_prompt":
        return InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=f"{n} ⭐", callback_data=f"r:{n}") for n in range(1, 6)
        ]])
    rows = []
    for i, button in enumerate(reply.buttons):
        data = button_data(button.value, message.seq, i)
        if data is None or not button.value:
            continue
        label = (button.label or button.value)[:MAX_LABEL]
        rows.append([InlineKeyboardButton(text=label, callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
