"""channels.phone: served once its provider's secret is set; secrets are the settings' SECRETS."""

from __future__ import annotations

from bot.channels.phone.turn import SpokenReply
from bot.channels.phone.twilio import twiml
from bot.channels.settings import ChannelsConfig, PhoneChannel
from bot.channels.status import channel_statuses


def _status(**phone: object) -> str:
    return channel_statuses(ChannelsConfig(phone=PhoneChannel(enabled=True, **phone)))[-1].line()  # type: ignore[arg-type]


def test_a_provider_without_its_secret_is_not_connected() -> None:
    assert "not connected (channels.phone: auth_token unset" in _status(provider="twilio")
    assert "not connected (channels.phone: secret_token unset" \
        in _status(provider="alicloud", secret_token="your_token")
    assert "channel phone: connected (POST /channels/phone/twilio" in _status(provider="twilio", auth_token="t" * 32)
    assert {"auth_token", "secret_token"} == set(PhoneChannel.SECRETS)


def test_the_gather_listens_in_the_speech_language_and_says_in_the_voice() -> None:
    out = twiml(SpokenReply("您好"), "", voice="Polly.Zhiyu", speech_language="cmn-Hans-CN")
    assert '<Gather input="speech dtmf" action="/channels/phone/twilio?r=0&amp;s=0"' in out
    assert 'language="cmn-Hans-CN"' in out and '<Say language="zh-CN" voice="Polly.Zhiyu">您好</Say>' in out
    hang = twiml(SpokenReply("再见 <&>", hang_up=True), "")
    assert hang.endswith("<Say language=\"zh-CN\">再见 &lt;&amp;&gt;</Say><Hangup/></Response>")
