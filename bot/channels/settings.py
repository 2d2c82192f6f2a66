"""The `channels:` section of config/service.yaml: one typed model per channel, with the seed's keys.

`channels.wechat: {enabled, app_id, app_secret, token, encoding_aes_key}`, `channels.web: {enabled,
domain, widget_id}`, `channels.phone: {enabled, provider}`, plus telegram, wecom, wechat_kf, app and
api; each may set `api_base_url` (tests point it at a local fake of the platform). The older shape
(secrets nested under `settings:`, telegram `bot_token`) is still read as a deprecated alias.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

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


class WebChannel(ChannelSettings):
    enabled: bool = True
    domain: str | None = None
    widget_id: str | None = None


class AppChannel(ChannelSettings):
    enabled: bool = True
    callback_url: str | None = None


class WechatChannel(ChannelSettings):
    app_id: str | None = None
    app_secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None
    REQUIRED: ClassVar[tuple[str, ...]] = ("app_id", "app_secret", "token")
    SECRETS: ClassVar[tuple[str, ...]] = ("app_secret", "token", "encoding_aes_key")


class WecomChannel(ChannelSettings):
    corp_id: str | None = None
    agent_id: int | str | None = None
    secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None
    REQUIRED: ClassVar[tuple[str, ...]] = ("corp_id", "agent_id", "secret")
    SECRETS: ClassVar[tuple[str, ...]] = ("secret", "token", "encoding_aes_key")


class WechatKfChannel(ChannelSettings):
    corp_id: str | None = None
    secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None
    REQUIRED: ClassVar[tuple[str, ...]] = ("corp_id", "secret")
    SECRETS: ClassVar[tuple[str, ...]] = ("secret", "token", "encoding_aes_key")


class TelegramChannel(ChannelSettings):
    token: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    secret_token: str | None = None
    REQUIRED: ClassVar[tuple[str, ...]] = ("token",)
    SECRETS: ClassVar[tuple[str, ...]] = ("token", "secret_token")
    ALIASES: ClassVar[dict[str, str]] = {"bot_token": "token"}



class PhoneChannel(ChannelSettings):
    provider: Literal["alicloud", "twilio"] | None = None
    REQUIRED: ClassVar[tuple[str, ...]] = ("provider",)


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

    def get(self, name: str) -> ChannelSettings | None:
        return getattr(self, name, None) if name in type(self).model_fields else None

    def only(self, names: tuple[str, ...]) -> ChannelsConfig:
        """The same settings with exactly `names` enabled (`start --channels a,b`)."""
        return self.model_copy(update={
            n: self.get(n).model_copy(update={"enabled": n in names}) for n in self.names()  # type: ignore[union-attr]
        })
