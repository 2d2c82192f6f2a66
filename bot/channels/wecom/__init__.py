"""WeCom (企业微信) application messages: `GET|POST /channels/wecom` in (encrypted echostr, AES
messages), `message/send` with the AgentID out, never a passive reply. routes (verify, decrypt,
acknowledge, run the turn in the background), translate (XML -> what to feed), api (the corp's
access_token and its calls, shared with bot/channels/wechat_kf), channel (the connector the
delivery service calls)."""
