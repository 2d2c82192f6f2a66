"""The WeCom server API (qyapi.weixin.qq.com), async: the corp's access_token
(`/cgi-bin/gettoken?corpid=&corpsecret=`) cached with a single refresher, renewed on 40014/42001
and the call retried once — the Official Account client (bot/channels/wechat/api.py) with the
corp's token endpoint. The WeChat customer-service connector (bot/channels/wechat_kf) uses it
too, with the kf secret."""

from __future__ import annotations

import time
from typing import Any

from bot.channels.wechat.api import TOKEN_MARGIN, WechatApi, WechatApiError

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"

__all__ = ["DEFAULT_BASE_URL", "WechatApiError", "WecomApi"]


class WecomApi(WechatApi):
    def __init__(self, corp_id: str, secret: str, base_url: str | None = None) -> None:
        super().__init__(corp_id, secret, base_url or DEFAULT_BASE_URL)

    async def _fetch_token(self) -> str:
        self._token = None
        data = await self._request("GET", "/cgi-bin/gettoken",
                                   params={"corpid": self._app_id, "corpsecret": self._secret})
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WechatApiError(int(data.get("errcode") or -2), str(data.get("errmsg") or "no access_token"))
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 7200.0
        self._token = token
        self._expires_at = time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
        return token

    async def send_text(self, userid: str, content: str, agent_id: int | str = 0) -> None:  # type: ignore[override]
        """An application text message to one member (`message/send`)."""
        data = await self.call("/cgi-bin/message/send", {
            "touser": userid, "msgtype": "text", "agentid": int(agent_id), "text": {"content": content}})
        if data.get("invaliduser"):  # accepted for the others (errcode 0), not for this member
            raise WechatApiError(81013, "user not found (invaliduser)")

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.call(path, payload)
