"""What a task listing asks for: filters, sort and page, validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from todo.domain.tasks import Priority

PAGE_SIZE_MAX = 100


class SortKey(StrEnum):
    DUE_AT = "due_at"
    PRIORITY = "priority"
    TITLE = "title"  # upper case: `title` would shadow str.title
    CREATED_AT = "created_at"


class Status(StrEnum):
    open = "open"
    completed = "completed"


@dataclass(frozen=True)
class Sort:
    key: SortKey = SortKey.CREATED_AT
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> Sort:
        """`due_at`, `-priority`, …; raises ValueError naming the allowed keys."""
        descending = text.startswith("-")
        name = text[1:] if descending else text
        try:
            return cls(SortKey(name), descending)
        except ValueError:
            allowed = ", ".join(k.value for k in SortKey)
            raise ValueError(
                f"sort must be one of {allowed}, optionally prefixed with '-'"
            ) from None


@dataclass(frozen=True)
class TaskQuery:
    q: str | None = None
    status: Status | None = None
    priorities: tuple[Priority, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool = False
    sort: Sort = Sort()
    page: int = 1
    page_size: int = 20
