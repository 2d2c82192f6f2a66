"""A Bot API Update as what the runtime is fed: who, which text, which platform message id.

Private chats only (a support bot answers people, not groups). The customer id is `tg_<chat id>`
(in a private chat the chat id is the user's id; the prefix keeps a Telegram user apart from an
API customer who happens to have the same number). The message id makes Telegram's retries
idempotent: `<chat id>:<message_id>` for a message (message ids count per chat), `<chat
id>:<message_id>:<callback_data>` for a tapped button (the same button of the same message
answers once; a rating prompt answers once whichever score is tapped). /start becomes a hello (the
greeting intent welcomes), a photo, sticker or voice note a short description, an edit nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.channels.telegram.keyboard import Tapped, read_data
from bot.core.events import MAX_MESSAGE_CHARS

if TYPE_CHECKING:
    from aiogram.types import CallbackQuery, Message, Update, User

CUSTOMER_PREFIX = "tg_"


def customer_id(chat_id: int) -> str:
    return f"{CUSTOMER_PREFIX}{chat_id}"


def chat_id(customer: str) -> int | None:
    """The chat of a customer id this connector made (None for anybody else's)."""
    raw = customer.removeprefix(CUSTOMER_PREFIX)
    if raw == customer or not raw.lstrip("-").isdigit():
        return None
    return int(raw)


@dataclass(frozen=True, slots=True)
class Profile:
    first_name: str
    last_name: str | None
    language_code: str | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p).strip()


@dataclass(frozen=True, slots=True)
class Incoming:
    customer_id: str
    message_id: str
    text: str | None  # None: a stored button to look up (`tapped.seq`, `tapped.index`)
    label: str | None = None  # what the transcript shows instead of the text (a button's label, /start)
    tapped: Tapped | None = None
    media: str | None = None
    profile: Profile | None = None


def translate(update: Update) -> Incoming | None:
    """What to feed for `update`, or None when it carries nothing to answer."""
    if update.message is not None:
        return _message(update.message)
    if update.callback_query is not None:
        return _callback(update.callback_query)
    return None  # edited messages, channel posts, chat member changes ...


def _profile(user: User | None) -> Profile | None:
    if user is None:
        return None
    return Profile(user.first_name, user.last_name, user.language_code)


def _chinese(user: User | None) -> bool:
    return bool(user and (user.language_code or "").lower().startswith("zh"))


def _message(msg: Message) -> Incoming | None:
    user = msg.from_user
    if msg.chat.type != "private" or user is None or user.is_bot:
        return None
    label = None
    media = None
    if msg.text is not None:
        text = msg.text.strip()
        command = text.split(maxsplit=1)[0].split("@", 1)[0] if text.startswith("/") else ""
        if command == "/start":  # deep-link payloads ("/start ref42") welcome the same way
            text, label = ("你好" if _chinese(user) else "hello"), "/start"
    else:
        media, text = _describe(msg, _chinese(user))
    if not text:
        return None
    return Incoming(customer_id(msg.chat.id), f"{msg.chat.id}:{msg.message_id}", text[:MAX_MESSAGE_CHARS],
                    label=label, media=media, profile=_profile(user))


_MEDIA = {  # kind: (Chinese, other languages)
    "photo": ("图片", "photo"),
    "sticker": ("表情", "sticker"),
    "voice": ("语音", "voice message"),
    "video_note": ("视频消息", "video message"),
    "video": ("视频", "video"),
    "animation": ("动图", "GIF"),
    "audio": ("音频", "audio"),
    "document": ("文件", "file"),
    "location": ("位置", "location"),
    "venue": ("位置", "location"),
    "contact": ("联系人", "contact"),
    "poll": ("投票", "poll"),
    "dice": ("骰子", "dice"),
}


def _describe(msg: Message, chinese: bool) -> tuple[str | None, str]:
    """`[photo] caption`, `[sticker 😀]`, `[voice message 4s]`: enough for the bot's fallback and
    for an agent reading the chat."""
    kind = next((k for k in _MEDIA if getattr(msg, k, None)), None)  # animation before document
    if kind is None:
        return None, (msg.caption or "").strip()
    word = _MEDIA[kind][0 if chinese else 1]
    detail = ""
    if kind == "sticker" and msg.sticker and msg.sticker.emoji:
        detail = f" {msg.sticker.emoji}"
    elif kind == "voice" and msg.voice:
        detail = f" {msg.voice.duration}{'秒' if chinese else 's'}"
    elif kind == "document" and msg.document and msg.document.file_name:
        detail = f" {msg.document.file_name[:80]}"
    caption = (msg.caption or "").strip()
    return kind, f"[{word}{detail}]" + (f" {caption}" if caption else "")


def _callback(query: CallbackQuery) -> Incoming | None:
    msg = query.message
    if msg is None or msg.chat.type != "private" or query.from_user.is_bot:
        return None  # an inline-mode message: no chat to answer in
    tapped = read_data(query.data)
    if tapped is None:
        return None
    label = _label(query)
    base = f"{msg.chat.id}:{msg.message_id}"
    cid, profile = customer_id(msg.chat.id), _profile(query.from_user)
    if tapped.score is not None:
        return Incoming(cid, f"{base}:rating", str(tapped.score), label=label, tapped=tapped, profile=profile)
    return Incoming(cid, f"{base}:{query.data}", tapped.value, label=label, tapped=tapped, profile=profile)


def _label(query: CallbackQuery) -> str | None:
    """The tapped button's text, from the keyboard the query's message carries."""
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None
