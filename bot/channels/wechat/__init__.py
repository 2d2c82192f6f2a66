"""WeChat Official Account (公众号): `GET|POST /channels/wechat` in, passive reply or
`message/custom/send` out. routes (verify, decrypt, answer), translate (XML <-> events and
text), inbound (the turn or the welcome), turns (one answer per MsgId), api (the async platform
client and its access_token), channel (the connector the delivery service calls)."""
