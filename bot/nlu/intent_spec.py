"""Intent definitions (`intents/*.yaml`): schema, loader and errors that point at file:line.

The format is documented in the comment header of `intents/smalltalk.yaml`.
Each file holds `intents: [...]`; every intent has examples per language, an action, and for
`flow` intents the slots to collect and the ticket type created at the end. A malformed file fails
at load with `path:line: where: reason` (YAML syntax errors use yaml's marks; schema errors find
the offending key by walking the composed node tree).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Action = Literal["faq", "flow", "create_ticket", "handoff", "smalltalk", "llm"]
_NAME = r"^[a-z][a-z0-9_]{0,63}$"
OOS_LABEL = "oos"  # label of out-of-scope training examples (not a valid intent name: reserved)
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


class IntentSpecError(ValueError):
    """A problem in an intents file; the message starts with `path:line:`."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_langs(v: dict[str, Any]) -> dict[str, Any]:
    bad = [k for k in v if not _LANG.match(k)]
    if bad:
        raise ValueError(f"not a language code: {', '.join(bad)} (use e.g. zh, en)")
    return v


class SlotSpec(_Model):
    name: str = Field(pattern=_NAME)
    prompt: dict[str, str] = Field(min_length=1, description="question asking for the value, per language")
    pattern: str | None = Field(None, description="regex the whole (stripped) answer must match")
    extract: str | None = Field(None, description="regex finding the value inside a longer message")
    error: dict[str, str] = Field(default_factory=dict, description="reply when the answer is invalid")
    required: bool = True

    _langs = field_validator("prompt", "error")(_check_langs)

    @field_validator("pattern", "extract")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from None
        return v

    def validate_value(self, value: str) -> bool:
        return self.pattern is None or re.fullmatch(self.pattern, value.strip()) is not None

    def find(self, text: str) -> str | None:
        """The value mentioned in a message ("订单号是 123456" → "123456"), if `extract` finds one."""
        m = re.search(self.extract, text) if self.extract else None
        if not m:
            return None
        value = m.group(1) if m.groups() else m.group(0)
        return value if self.validate_value(value) else None


class IntentSpec(_Model):
    name: str = Field(pattern=_NAME)
    action: Action
    description: str = ""
    examples: dict[str, list[str]] = Field(min_length=1, description="utterances per language")
    slots: tuple[SlotSpec, ...] = ()
    # Ticket created when a create_ticket intent fires or a flow has all its slots.
    ticket_type: str | None = None
    # flow: what it does once its slots are filled instead of opening a ticket. `order`: look the
    # order up (bot/actions/orders.py) with the `order_id` slot and answer; without a lookup the
    # customer gets guidance and an offer of a human, still no ticket.
    lookup: Literal["order"] | None = None
    # How replies name the ticket type per language ("a refund ticket"); the stored type stays
    # `ticket_type`, which reports and agents group by.
    ticket_type_label: dict[str, str] = Field(default_factory=dict, description="ticket type per language")
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    responses: dict[str, str] = Field(default_factory=dict, description="fixed reply per language")
    # flow: asked after a knowledge-base answer when the message also fits this flow ("需要我现在
    #帮您发起退款吗？"); a yes starts the flow. Without it the answer comes alone.
    offer: dict[str, str] = Field(default_factory=dict, description="offer to start the flow, per language")

    _langs = field_validator("examples", "responses", "ticket_type_label", "offer")(_check_langs)

    @field_validator("examples")
    @classmethod
    def _non_empty(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for lang, items in v.items():
            if not items or any(not isinstance(s, str) or not s.strip() for s in items):
                raise ValueError(f"{lang}: needs at least one non-empty example")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> IntentSpec:
        names = [s.name for s in self.slots]
        if len(set(names)) != len(names):
            raise ValueError("slot names must be unique")
        if self.action == "flow" and not self.slots:
            raise ValueError("a flow intent needs at least one slot")
        if self.action == "create_ticket" and not self.ticket_type:
            raise ValueError("ticket_type is required for action create_ticket")
        if self.offer and self.action != "flow":
            raise ValueError("offer is only for flow intents")
        if self.lookup and (self.action != "flow" or self.ticket_type or not self.slot("order_id")):
            raise ValueError("lookup is for a flow with an order_id slot and no ticket_type (it answers, no ticket)")
        if self.ticket_type_label and not self.ticket_type:
            raise ValueError("ticket_type_label needs a ticket_type")
        if self.slots and self.action not in ("flow", "create_ticket"):
            raise ValueError(f"slots are only used by flow/create_ticket intents, not {self.action}")
        return self

    def slot(self, name: str) -> SlotSpec | None:
        return next((s for s in self.slots if s.name == name), None)


class IntentFile(_Model):
    intents: list[IntentSpec] = Field(default_factory=list)
    # Messages that match no intent (chit-chat, other topics): taught to the classifier as the
    # rejection class so it learns what "nothing matches" looks like, not only a threshold.
    out_of_scope: dict[str, list[str]] = Field(default_factory=dict)

    _langs = field_validator("out_of_scope")(_check_langs)

    @model_validator(mode="after")
    def _something(self) -> IntentFile:
        if not self.intents and not self.out_of_scope:
            raise ValueError("the file defines neither `intents` nor `out_of_scope`")
        return self


@dataclass(frozen=True)
class IntentCatalog:
    intents: tuple[IntentSpec, ...]
    sources: tuple[tuple[str, Path], ...] = ()  # (intent name, file) for messages
    out_of_scope: tuple[str, ...] = ()

    def get(self, name: str) -> IntentSpec | None:
        return next((i for i in self.intents if i.name == name), None)

    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.intents)

    def training_data(self) -> tuple[list[str], list[str]]:
        texts, labels = [], []
        for intent in self.intents:
            for items in intent.examples.values():
                texts.extend(items)
                labels.extend([intent.name] * len(items))
        texts.extend(self.out_of_scope)
        labels.extend([OOS_LABEL] * len(self.out_of_scope))
        return texts, labels


def _walk(node: yaml.Node, loc: tuple[Any, ...]) -> tuple[yaml.Node, yaml.Node | None]:
    """(node at `loc`, key node of its last step); stops at the deepest node that exists."""
    key_node = None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == step), None)
            if hit is None:
                break
            key_node, node = hit
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            key_node, node = None, node.value[step]
        else:
            break
    return node, key_node


def _duplicate_keys(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if k.value in seen:
                yield k
            seen.add(k.value)
            yield from _duplicate_keys(v)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _duplicate_keys(v)


def _loc_text(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top level)"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_intent_file(path: Path) -> IntentFile:
    try:
        text = path.read_text(encoding="utf-8")
        # libyaml's loaders when built in: parsing the shipped intents drops from ~0.25 s to ~0.03 s.
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        # Every start error names a line; errors without a problem mark fall back to line 1.
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        raise IntentSpecError(f"{path}:{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        byte = exc.object[exc.start]
        raise IntentSpecError(f"{path}:{line}: not UTF-8 (byte {byte:#04x}); save the file as UTF-8") from None
    except OSError as exc:
        raise IntentSpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if root is None or not isinstance(data, dict):
        raise IntentSpecError(f"{path}:1: the top level must be a mapping with an `intents` list")
    for key in _duplicate_keys(root):
        raise IntentSpecError(f"{path}:{key.start_mark.line + 1}: duplicate key {key.value!r}")
    try:
        return IntentFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        node, key_node = _walk(root, loc)
        mark = (key_node or node).start_mark
        reason = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise IntentSpecError(f"{path}:{mark.line + 1}: {_loc_text(loc)}: {reason}{more}") from None


def load_intents(folder: Path) -> IntentCatalog:
    """Load every `*.yaml`/`*.yml` in `folder` (sorted); intent names must be unique across files."""
    folder = Path(folder)
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise IntentSpecError(f"{folder}: no intent files (*.yaml)")
    intents: list[IntentSpec] = []
    sources: dict[str, Path] = {}
    oos: list[str] = []
    for path in files:
        spec = load_intent_file(path)
        oos.extend(s for items in spec.out_of_scope.values() for s in items if isinstance(s, str))
        for intent in spec.intents:
            if intent.name in sources or intent.name == OOS_LABEL:
                root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
                line = next((v.start_mark.line + 1 for v in _iter_name_nodes(root) if v.value == intent.name), 1)
                raise IntentSpecError(
                    f"{path}:{line}: intent {intent.name!r} is already defined in "
                    f"{sources.get(intent.name, 'the loader (reserved for out_of_scope)')}"
                )
            sources[intent.name] = path
            intents.append(intent)
    if not intents:
        raise IntentSpecError(f"{folder}: no intents defined")
    return IntentCatalog(tuple(intents), tuple(sources.items()), tuple(oos))


def _iter_name_nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    intents, _ = _walk(root, ("intents",))
    if isinstance(intents, yaml.SequenceNode):
        for item in intents.value:
            name, _ = _walk(item, ("name",))
            yield name
