"""Real Bot API Update payloads (payloads/*.json) and helpers that adapt them to a test's chat."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"
_ids = itertools.count(900_000_001)
_message_ids = itertools.count(1001)


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def message(name: str = "text_message", *, chat_id: int | None = None, text: str | None = None,
            message_id: int | None = None, update_id: int | None = None) -> dict[str, Any]:
    """A message update from the payload `name`, moved to `chat_id` (a private chat: the user too),
    with a fresh update_id and message_id unless given (a retry is the same dict posted again)."""
    update = payload(name)
    msg = update.get("message") or update["edited_message"]
    if chat_id is not None:
        msg["chat"]["id"] = msg["from"]["id"] = chat_id
    if text is not None:
        msg["text"] = text
    msg["message_id"] = message_id if message_id is not None else next(_message_ids)  # ids count per chat
    update["update_id"] = update_id if update_id is not None else next(_ids)
    return update


def tap(sent: dict[str, Any], button: int = 0, *, row: int | None = None, query_id: str | None = None,
        update_id: int | None = None) -> dict[str, Any]:
    """The callback_query Telegram sends when the user taps a button of `sent` (a Message object
    the fake returned for sendMessage). Buttons count across rows unless `row` is given."""
    update = payload("callback_query")
    query = update["callback_query"]
    buttons = sent["reply_markup"]["inline_keyboard"][row] if row is not None else [
        b for r in sent["reply_markup"]["inline_keyboard"] for b in r]
    chat = sent["chat"]["id"]
    query["id"] = query_id or str(next(_ids))
    query["from"]["id"] = chat
    query["message"] = {**copy.deepcopy(sent), "chat": {**query["message"]["chat"], "id": chat}}
    query["data"] = buttons[button]["callback_data"]
    update["update_id"] = update_id if update_id is not None else next(_ids)
    return update
