"""The fake WeChat API lives in benchmarks/fakes/wechat_api.py (the bench runs it too)."""

from benchmarks.fakes.wechat_api import APP_ID, APP_SECRET, ERRMSG, FakeWechatApi, Send

__all__ = ["APP_ID", "APP_SECRET", "ERRMSG", "FakeWechatApi", "Send"]
