"""The callback crypto WeCom and WeChat customer service share (wechatpy.enterprise): the URL
verification's encrypted `echostr` and the AES message body, both signed with `msg_signature`
over the token, timestamp, nonce and ciphertext, decrypted with the corp id as the receive id."""

from __future__ import annotations

import re

from bot.channels.wechat.translate import BadMessage, SignatureRefused, refuse_markup

_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")
_PARAM = re.compile(r"[0-9A-Za-z_\-]{1,128}")
MAX_BODY = 64 * 1024


class CallbackCrypto:
    def __init__(self, token: str, encoding_aes_key: str, corp_id: str) -> None:
        from wechatpy.enterprise.crypto import WeChatCrypto

        if not _AES_KEY.fullmatch(encoding_aes_key):
            raise ValueError("encoding_aes_key must be 43 characters")
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)

    def echo(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The decrypted echostr (the URL check's answer); SignatureRefused when it does not verify."""
        self._params(msg_signature, timestamp, nonce)
        if not echostr or len(echostr) > 1024:
            raise BadMessage("echostr: required")
        return self._open(lambda: self._crypto.check_signature(msg_signature, timestamp, nonce, echostr))

    def decrypt(self, body: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext XML of an AES message body."""
        self._params(msg_signature, timestamp, nonce)
        refuse_markup(body)
        xml = self._open(lambda: self._crypto.decrypt_message(body, msg_signature, timestamp, nonce))
        refuse_markup(xml)
        return xml

    @staticmethod
    def _params(*params: str) -> None:
        if not all(_PARAM.fullmatch(p) for p in params):
            raise SignatureRefused

    @staticmethod
    def _open(call: object) -> str:
        from wechatpy.enterprise.exceptions import InvalidCorpIdException
        from wechatpy.exceptions import InvalidSignatureException

        try:
            out = call()  # type: ignore[operator]
        except InvalidSignatureException:
            raise SignatureRefused from None
        except InvalidCorpIdException:
            raise SignatureRefused from None  # sealed for another corp: not for us
        except Exception as exc:  # XML, base64, padding: whatever it is, it is not readable
            raise BadMessage(f"encrypted message not readable ({type(exc).__name__})") from None
        return out.decode() if isinstance(out, bytes) else str(out)
