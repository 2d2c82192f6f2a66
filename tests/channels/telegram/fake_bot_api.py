"""The fake Bot API lives in benchmarks/fakes/telegram_bot_api.py (the bench runs it too)."""

from benchmarks.fakes.telegram_bot_api import BOT_USER, TOKEN, Call, FakeBotApi

__all__ = ["BOT_USER", "TOKEN", "Call", "FakeBotApi"]
