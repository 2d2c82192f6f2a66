"""WeChat's side of `POST /channels/wechat`: the payload fixtures (payloads/*.xml, as the platform
pushes them), signed with wechatpy the way WeChat signs them, in plaintext, compatible or safe
mode; and the answers decoded back (a passive reply's XML, decrypted in AES mode)."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from string import Template
from typing import Any

import xmltodict
from aiohttp.test_utils import TestClient
from wechatpy.crypto import WeChatCrypto

from tests.channels.wechat.fake_api import APP_ID

TOKEN = "wechat-callback-token-5f3a"
AES_KEY = base64.b64encode(hashlib.sha256(b"test aes key").digest()).decode().rstrip("=")  # 43 chars
ACCOUNT = "gh_3f6a1b2c4d5e"
PAYLOADS = Path(__file__).parent / "payloads"
_msg_ids = count(24_000_000_000_000_001)
_nonces = count(1_409_735_669)


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def payload(name: str, **fields: Any) -> str:
    """payloads/<name>.xml with $openid, $account, $time, $msg_id and the fixture's own fields."""
    values = {"openid": "oWx_customer_0001", "account": ACCOUNT, "time": str(int(time.time())),
              "msg_id": str(next(_msg_ids)), **{k: str(v) for k, v in fields.items()}}
    return Template((PAYLOADS / f"{name}.xml").read_text(encoding="utf-8")).substitute(values)


@dataclass
class Answer:
    status: int
    text: str
    content_type: str
    mode: str

    @property
    def success(self) -> bool:
        return self.status == 200 and self.text == "success"

    def reply(self) -> dict[str, str]:
        """The passive reply's fields (decrypted and signature-checked in AES mode)."""
        assert self.status == 200 and self.content_type == "application/xml", (self.status, self.text)
        xml = self.text
        if self.mode != "plain":
            outer = xmltodict.parse(xml)["xml"]
            xml = crypto().decrypt_message(xml, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        return dict(xmltodict.parse(xml)["xml"])


def crypto() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, APP_ID)


async def push(client: TestClient, xml: str, mode: str = "plain", *, forge: str | None = None) -> Answer:
    """POST `xml` as WeChat does. mode: plain | compat (plaintext + Encrypt) | safe (Encrypt only).
    forge: "signature" or "msg_signature" sends a wrong one."""
    # a new nonce on every attempt, as WeChat signs its retries too (a reused pair is a replay)
    timestamp, nonce = str(int(time.time())), str(next(_nonces))
    params = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
              "openid": xmltodict.parse(xml)["xml"]["FromUserName"]}
    body = xml
    if mode != "plain":
        sealed = xmltodict.parse(crypto().encrypt_message(xml, nonce, timestamp))["xml"]
        params.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        encrypt = f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
        if mode == "compat":
            body = xml.replace("</xml>", f"{encrypt}</xml>")
        else:
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>{encrypt}</xml>"
    if forge:
        params[forge] = "0" * 40
    resp = await client.post("/channels/wechat", params=params, data=body.encode(),
                             headers={"Content-Type": "text/xml"})
    return Answer(resp.status, await resp.text(), resp.content_type, mode)
