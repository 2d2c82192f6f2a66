"""The `channels:` section of config/service.yaml: one typed model per channel, with the seed's keys.

`channels.wechat: {enabled, app_id, app_secret, token, encoding_aes_key}`, `channels.web: {enabled,
domain, widget_id}`, `channels.phone: {enabled, provider}`, plus telegram, wecom, wechat_kf, app and
api; each may set `api_base_url` (tests point it at a local fake of the platform). The older shape
(secrets nested under `settings:`, telegram `bot_token`) is still read as a deprecated alias.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.channels.limits import Limit

# Values the seed's sample ships with ("your_app_id" ...): present, but not real credentials.
PLACEHOLDER_PREFIXES = ("your_", "your-", "<", "changeme", "xxx")


def is_placeholder(value: object) -> bool:
    if value is None:
        return True
    text = str(value).strip().lower()
    return not text or text.startswith(PLACEHOLDER_PREFIXES)


class ChannelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    api_base_url: str | None = None
    # Outbound messages a second: the channel overall and one recipient (None: no limit).
    rate_limit: float | None = Field(None, gt=0, le=10_000)
    per_recipient_rate: float | None = Field(None, gt=0, le=1_000)

    # Keys a connector needs before it can talk to the platform, and the ones that are credentials.
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    SECRETS: ClassVar[tuple[str, ...]] = ()
    ALIASES: ClassVar[dict[str, str]] = {}  # deprecated key -> seed key

    @model_validator(mode="before")
    @classmethod
    def _legacy_settings(cls, data: Any) -> Any:
        # Deprecated shape: `{enabled, settings: {app_id: ...}}` reads as the flat seed shape.
        if isinstance(data, dict) and isinstance(data.get("settings"), dict):
            data = dict(data)
            nested = data.pop("settings")
            data = {**nested, **data}
        if isinstance(data, dict) and any(old in data for old in cls.ALIASES):
            data = dict(data)
            for old, new in cls.ALIASES.items():
                if old in data:
                    data.setdefault(new, data.pop(old))
        return data

    def missing(self) -> tuple[str, ...]:
        """Required keys that are unset or still the sample's placeholder."""
        return tuple(k for k in self.REQUIRED if is_placeholder(getattr(self, k)))


class ApiChannel(ChannelSettings):
    enabled: bool = True


class WidgetLook(BaseModel):
    """What a visitor sees of one widget: its name, greeting, colour and UI languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("在线客服", min_length=1, max_length=60)
    greeting: str = Field("您好，请问有什么可以帮您？ / Hi, how can we help?", max_length=500)
    color: str = Field("#1f6feb", pattern=r"^#[0-9a-fA-F]{6}$")
    languages: tuple[str, ...] = ("zh", "en")


class WebChannel(ChannelSettings):
    enabled: bool = True
    # The site(s) allowed to open the widget: "example.com", "example.com, shop.example.com",
    # "*.example.com" (subdomains). Unset: any site (a local setup). The service's own pages always.
    domain: str | None = None
    widget_id: str | None = None
    name: str = Field("在线客服", min_length=1, max_length=60)
    greeting: str = Field("您好，请问有什么可以帮您？ / Hi, how can we help?", max_length=500)
    color: str = Field("#1f6feb", pattern=r"^#[0-9a-fA-F]{6}$")
    languages: tuple[str, ...] = ("zh", "en")
    # Further widgets by id, each with its own look (the one above is `widget_id`'s).
    widgets: dict[str, WidgetLook] = Field(default_factory=dict)
    # The site's secret for identity verification: data-user-hash = hex HMAC-SHA256(secret, user id).
    identity_secret: str | None = None
    session_days: int = Field(30, ge=1, le=365)
    SECRETS: ClassVar[tuple[str, ...]] = ("identity_secret",)

    def domains(self) -> tuple[str, ...]:
        return tuple(d.strip().lower() for d in (self.domain or "").replace(",", " ").split() if d.strip())

    def widget(self, widget_id: str) -> WidgetLook | None:
        """The look of `widget_id`, or None when this service has no such widget. With no widget
        configured at all (the sample config), any id gets the default look."""
        if widget_id in self.widgets:
            return self.widgets[widget_id]
        if self.widget_id is None and not self.widgets:
            return WidgetLook(name=self.name, greeting=self.greeting, color=self.color, languages=self.languages)
        if widget_id == self.widget_id:
            return WidgetLook(name=self.name, greeting=self.greeting, color=self.color, languages=self.languages)
        return None


class AppChannel(ChannelSettings):
    enabled: bool = True
    callback_url: str | None = None
    # Signs the callback (X-Bot-Signature); the callback is used only when both are set.
    callback_secret: str | None = None
    SECRETS: ClassVar[tuple[str, ...]] = ("callback_secret",)


class WechatChannel(ChannelSettings):
    # Custom messages count against the account's quota; a steady pace keeps bursts under 45047.
    rate_limit: float | None = Field(20.0, gt=0, le=10_000)
    app_id: str | None = None
    app_secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None  # 43 characters; needed for the compatible and safe modes
    # The passive reply to a new follower (subscribe, or a SCAN of a parameter QR code).
    welcome: str = Field("您好，欢迎关注！请直接发送您的问题，我们会尽快为您解答。", min_length=1, max_length=600)
    # Seconds a request waits for the turn before answering `success` (WeChat gives up after 5 s);
    # a later answer goes out by the customer-service message API.
    reply_deadline: float = Field(4.0, gt=0, le=4.5)
    # Seconds a pushed request's `timestamp` may differ from now; within it a (timestamp, nonce)
    # pair is accepted once (WeChat signs every attempt, retries included, with a new pair).
    replay_window: int = Field(300, ge=30, le=3600)
    REQUIRED: ClassVar[tuple[str, ...]] = ("app_id", "app_secret", "token")
    SECRETS: ClassVar[tuple[str, ...]] = ("app_secret", "token", "encoding_aes_key")


class WecomChannel(ChannelSettings):
    corp_id: str | None = None
    agent_id: int | str | None = None
    secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None
    # The greeting for a member who subscribes to (or first opens) the app.
    welcome: str = Field("您好，请直接发送您的问题，我们会尽快为您解答。", min_length=1, max_length=600)
    # token and encoding_aes_key too: without them the callback cannot be verified or decrypted.
    REQUIRED: ClassVar[tuple[str, ...]] = ("corp_id", "agent_id", "secret", "token", "encoding_aes_key")
    SECRETS: ClassVar[tuple[str, ...]] = ("secret", "token", "encoding_aes_key")


class WechatKfChannel(ChannelSettings):
    corp_id: str | None = None
    secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None
    # Who serves a customer handed to a human: this system's queue (system), or WeChat's own
    # servicers (platform: kf/service_state/trans to the pool, or to `servicer` when set).
    handoff: Literal["system", "platform"] = "system"
    servicer: str | None = None
    REQUIRED: ClassVar[tuple[str, ...]] = ("corp_id", "secret", "token", "encoding_aes_key")
    SECRETS: ClassVar[tuple[str, ...]] = ("secret", "token", "encoding_aes_key")


class TelegramChannel(ChannelSettings):
    token: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    secret_token: str | None = None
    # The Bot API's limits: about 30 messages a second overall, 1 a second in one chat.
    rate_limit: float | None = Field(30.0, gt=0, le=10_000)
    per_recipient_rate: float | None = Field(1.0, gt=0, le=1_000)
    REQUIRED: ClassVar[tuple[str, ...]] = ("token",)
    SECRETS: ClassVar[tuple[str, ...]] = ("token", "secret_token")
    ALIASES: ClassVar[dict[str, str]] = {"bot_token": "token"}

    def missing(self) -> tuple[str, ...]:
        # A webhook without its secret would take updates from anybody: not connected until set.
        extra = ("secret_token",) if self.mode == "webhook" and is_placeholder(self.secret_token) else ()
        return (*super().missing(), *extra)



class PhoneChannel(ChannelSettings):
    """Voice calls (bot/channels/phone/): Twilio webhooks or Alibaba Cloud voice callbacks."""

    provider: Literal["alicloud", "twilio"] | None = None
    auth_token: str | None = None  # twilio: the account's auth token, signs X-Twilio-Signature
    secret_token: str | None = None  # alicloud: the shared token of every callback (header or field)
    # The service's public URL as the provider calls it ("https://bot.example.com"): Twilio signs
    # the full URL it requested, which behind a proxy is not the URL this server sees.
    public_base_url: str | None = None
    language: str = Field("zh-CN", min_length=2, max_length=16)
    # The recogniser's language when it is not `language` (Twilio's <Gather language>; its list
    # names Mandarin "cmn-Hans-CN" for some speech models): unset, `language`.
    speech_language: str | None = Field(None, min_length=2, max_length=16)
    voice: str | None = None  # Twilio <Say voice=...> ("Polly.Zhiyu"); alicloud: the robot's TTS voice
    human_number: str | None = None  # where a call transfers to a human (<Dial>); unset: no transfer
    greeting: str = Field("您好，这里是智能客服，请问有什么可以帮您？", min_length=1, max_length=300)
    min_confidence: float = Field(0.5, ge=0, le=1)  # below: "您是说……吗？" before acting
    max_silences: int = Field(2, ge=0, le=5)  # re-prompts before offering a human / hanging up
    REQUIRED: ClassVar[tuple[str, ...]] = ("provider",)
    SECRETS: ClassVar[tuple[str, ...]] = ("auth_token", "secret_token")

    def missing(self) -> tuple[str, ...]:
        # A webhook nobody can verify would take calls from anybody: not connected until set.
        key = {"twilio": "auth_token", "alicloud": "secret_token"}.get(self.provider or "")
        extra = (key,) if key and is_placeholder(getattr(self, key)) else ()
        return (*super().missing(), *extra)


class ChannelsConfig(BaseModel):
    """Every channel the service knows; an unknown name is an unknown key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api: ApiChannel = ApiChannel()
    web: WebChannel = WebChannel()
    app: AppChannel = AppChannel()
    wechat: WechatChannel = WechatChannel()
    wecom: WecomChannel = WecomChannel()
    wechat_kf: WechatKfChannel = WechatKfChannel()
    telegram: TelegramChannel = TelegramChannel()
    phone: PhoneChannel = PhoneChannel()

    def names(self) -> tuple[str, ...]:
        return tuple(type(self).model_fields)

    def limits(self) -> dict[str, Limit]:
        """The outbound rate limits by channel name (bot/channels/limits.py)."""
        out = {}
        for name in self.names():
            ch = self.get(name)
            if ch is not None and (ch.rate_limit or ch.per_recipient_rate):
                out[name] = Limit(ch.rate_limit, ch.per_recipient_rate)
        return out

    def get(self, name: str) -> ChannelSettings | None:
        return getattr(self, name, None) if name in type(self).model_fields else None

    def only(self, names: tuple[str, ...]) -> ChannelsConfig:
        """The same settings with exactly `names` enabled (`start --channels a,b`)."""
        return self.model_copy(update={
            n: self.get(n).model_copy(update={"enabled": n in names}) for n in self.names()  # type: ignore[union-attr]
        })
