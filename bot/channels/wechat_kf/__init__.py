"""WeChat customer service (微信客服): `GET|POST /channels/wechat-kf`. The callback (WeCom's
crypto) only says "there is something new" (`kf_msg_or_event`, with a Token and the OpenKfId);
the messages are pulled with `kf/sync_msg` from a cursor kept per open_kfid in the store, each
msgid fed once, and the replies go out by `kf/send_msg`. routes (verify, acknowledge, sync in the
background), sync (the pull and the cursor), channel (the connector the delivery service calls)."""
