"""WeCom's side of the callbacks: messages sealed with wechatpy.enterprise's crypto (the corp id as
the receive id) and posted, and the URL check's encrypted echostr."""

from __future__ import annotations

import base64
import hashlib
import time
from itertools import count

import xmltodict
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from wechatpy.enterprise.crypto import WeChatCrypto

from tests.channels.wecom.fake_api import CORP_ID

TOKEN = "wecom-callback-token-7c2e"
AES_KEY = base64.b64encode(hashlib.sha256(b"wecom test aes key").digest()).decode().rstrip("=")
USERID = "zhangsan"
_msg_ids = count(7_300_000_000_000_000_001)


def crypto() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, CORP_ID)


def text_xml(content: str, msg_id: int | None = None, userid: str = USERID) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{userid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or next(_msg_ids)}</MsgId>"
            f"<AgentID>1000002</AgentID></xml>")


def event_xml(event: str, userid: str = USERID, created: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{userid}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><AgentID>1000002</AgentID></xml>")


def kf_event_xml(open_kfid: str, token: str = "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR") -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
            f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>")


async def post(client: TestClient, path: str, xml: str, *, forge: bool = False) -> ClientResponse:
    timestamp, nonce = str(int(time.time())), "5730155"
    sealed = xmltodict.parse(crypto().encrypt_message(xml, nonce, timestamp))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
            f"<AgentID><![CDATA[1000002]]></AgentID></xml>")
    params = {"msg_signature": "0" * 40 if forge else sealed["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
    return await client.post(path, params=params, data=body.encode(), headers={"Content-Type": "text/xml"})


async def verify(client: TestClient, path: str, echo: str, *, forge: bool = False) -> ClientResponse:
    """GET path as WeCom checks a callback URL: echostr is `echo` sealed, signed with msg_signature."""
    timestamp, nonce = str(int(time.time())), "1372623149"
    sealed = xmltodict.parse(crypto().encrypt_message(echo, nonce, timestamp))["xml"]
    params = {"msg_signature": "0" * 40 if forge else sealed["MsgSignature"], "timestamp": timestamp,
              "nonce": nonce, "echostr": sealed["Encrypt"]}
    return await client.get(path, params=params)
