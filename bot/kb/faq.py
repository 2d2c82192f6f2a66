"""The FAQ entry: the knowledge base's unit, validated wherever it enters the system.

Documented JSON format (`knowledge/faq.json`)::

    {"faq": [{"id": "faq_001", "question": "如何申请退款？",
              "similar_questions": ["怎么退款", "退款流程是什么"],
              "answer": "...",                       # or "answers": {"zh": "...", "en": "..."}
              "category": "售后", "tags": ["退款", "售后"]}]}

`{"faqs": [...]}` (the pre-seed key) and a bare list of entries are accepted too.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"  # also the API's faq_id pattern
ID_PATTERN = re.compile(ID_REGEX)
ID_RULE = "must be 1-64 letters, digits, '_', '-', '.', ':' and start with a letter or digit"
LANGUAGE_REGEX = r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$"  # an answers key
MAX_QUESTION = 500
MAX_ANSWER = 8000
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})


def _clean(s: str) -> str:
    return " ".join(s.split())


class FaqEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    answers: dict[str, str] = Field(default_factory=dict)
    similar_questions: tuple[str, ...] = ()
    category: str = ""
    tags: tuple[str, ...] = ()
    # Language of the standard question; answers are keyed by language separately.
    language: str = "zh"

    @model_validator(mode="before")
    @classmethod
    def _single_answer(cls, data: Any) -> Any:
        # `answer` (one text, in the entry's language) is shorthand for `answers`.
        if isinstance(data, dict) and "answer" in data:
            data = dict(data)
            answer = data.pop("answer")
            if "answers" in data:
                raise ValueError("give either answer or answers, not both")
            lang = data.get("language") or "zh"
            data["answers"] = {lang: answer} if answer not in (None, "") else {}
        return data

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        v = v.strip()
        if not ID_PATTERN.match(v):
            raise ValueError(ID_RULE)
        return v

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        v = _clean(v)
        if not v:
            raise ValueError("must not be empty")
        return v

    @field_validator("similar_questions", "tags", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if isinstance(v, str):  # CSV/xlsx cells: "a|b" or "a,b"
            v = re.split(r"[|,，、\n]" if v.count("|") == 0 else r"[|\n]", v)
        return v

    @field_validator("similar_questions", "tags")
    @classmethod
    def _nonempty_items(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for item in v:
            item = _clean(item)
            if item and item not in out:
                out.append(item[:MAX_QUESTION])
        return tuple(out)

    @field_validator("answers")
    @classmethod
    def _answers(cls, v: dict[str, str]) -> dict[str, str]:
        out = {}
        for lang, text in v.items():
            if not re.fullmatch(LANGUAGE_REGEX[1:-1], lang):
                raise ValueError(f"language key {lang!r} is not a language code like zh or en")
            text = text.strip()
            if not text:
                raise ValueError(f"answer for {lang} is empty")
            if len(text) > MAX_ANSWER:
                raise ValueError(f"answer for {lang} is longer than {MAX_ANSWER} characters")
            out[lang] = text
        return out

    @model_validator(mode="after")
    def _has_answer(self) -> FaqEntry:
        if not self.answers:
            raise ValueError("answer is required")
        return self

    def answer_for(self, language: str) -> str:
        """The answer in the asked language, else the entry's own, else any."""
        return (
            self.answers.get(language)
            or self.answers.get(self.language)
            or next(iter(self.answers.values()))
        )

    def question_for(self, language: str) -> str:
        """The question as a customer writing `language` would read it on a button: for a Latin-script
        language, the first similar question without Chinese, Japanese or Korean characters
        ("How do I get a refund?" for 如何申请退款？), else the question itself."""
        if language.split("-")[0] in _CJK_LANGUAGES or not _CJK.search(self.question):
            return self.question
        return next((q for q in self.similar_questions if q.strip() and not _CJK.search(q)), self.question)

    @property
    def texts(self) -> tuple[str, ...]:
        """Everything a customer question can match: the question and its 相似问."""
        return (self.question, *self.similar_questions)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "similar_questions": list(self.similar_questions),
            "answers": dict(self.answers),
            "category": self.category,
            "tags": list(self.tags),
            "language": self.language,
        }
