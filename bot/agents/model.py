"""An agent as the directory knows them: profile, skills, capacity, presence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

STATUSES = ("online", "away", "offline")


class DuplicateAgent(ValueError):
    """An agent with this id already exists."""


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    max_concurrent_chats: int
    status: str = "offline"
    last_seen_at: str | None = None
    last_assigned_at: str | None = None
    created_at: str = ""
    token_issued_at: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Agent:
        return cls(
            id=row["id"],
            name=row["name"],
            skills=tuple(json.loads(row["skills"])),
            languages=tuple(json.loads(row["languages"])),
            max_concurrent_chats=row["max_concurrent_chats"],
            status=row["status"],
            last_seen_at=row["last_seen_at"],
            last_assigned_at=row["last_assigned_at"],
            created_at=row["created_at"],
            token_issued_at=row["token_issued_at"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "skills": list(self.skills),
            "languages": list(self.languages),
            "max_concurrent_chats": self.max_concurrent_chats,
            "status": self.status,
            "last_seen_at": self.last_seen_at,
            "last_assigned_at": self.last_assigned_at,
            "created_at": self.created_at,
        }
