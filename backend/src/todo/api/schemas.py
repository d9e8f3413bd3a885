"""Request and response bodies. Requests forbid unknown fields so typos fail loudly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
)

from todo.domain import tasks as rules
from todo.domain.accounts import PASSWORD_MIN
from todo.domain.tasks import Priority


def _to_utc(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date is out of range") from None
    if not 1900 <= utc.year <= 9999:
        raise ValueError("date must be between the years 1900 and 9999")
    return utc


def _storable(value: str) -> str:
    """Text every engine stores as sent, refused here (422) rather than by the database (500).

    PostgreSQL text holds no NUL, and JSON can carry a lone UTF-16 surrogate ("\\ud800") that
    is no Unicode character at all: UTF-8 cannot encode it, so no database can store it.
    """
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "must be Unicode text (an unpaired surrogate such as \\ud800 is not)"
        ) from None
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


def _storable_if_text(value: Any) -> Any:
    # Before another type's own validation (EmailStr): anything but a string is its business.
    return _storable(value) if isinstance(value, str) else value


# Every string a request carries is one of these.
Text = Annotated[str, AfterValidator(_storable)]
Title = Annotated[Text, Field(min_length=1, max_length=rules.TITLE_MAX)]
Description = Annotated[Text, Field(max_length=rules.DESCRIPTION_MAX)]
Tag = Annotated[Text, Field(min_length=1, max_length=rules.TAG_MAX)]
Tags = Annotated[list[Tag], Field(max_length=rules.TAGS_MAX)]
Rule = Annotated[
    Text,
    Field(
        min_length=1,
        max_length=500,
        description="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO",
        examples=["FREQ=WEEKLY;BYDAY=MO"],
    ),
]


TimeZone = Annotated[
    Text,
    Field(
        min_length=1,
        max_length=64,
        description=(
            "The IANA time zone the recurrence is counted in (weekdays, days of the month, "
            "wall-clock time), normally the user's own"
        ),
        examples=["Europe/Paris"],
    ),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SignupIn(Request):
    email: Annotated[EmailStr, BeforeValidator(_storable_if_text)] = Field(max_length=320)
    password: Text = Field(min_length=PASSWORD_MIN, max_length=256)
    name: Text = Field(default="", max_length=200)


class LoginIn(Request):
    email: Text = Field(max_length=320)
    password: Text = Field(max_length=256)


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    user: UserOut


class TaskCreate(Request):
    title: Title
    description: Description = ""
    priority: Priority = Priority.none
    tags: Tags = Field(default_factory=list)
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = None
    recurrence: Rule | None = None
    time_zone: TimeZone = "UTC"


_NOT_NULL = ("title", "description", "priority", "tags", "time_zone")


class TaskUpdate(Request):
    """Only the fields sent change; null clears due_at, remind_at and recurrence."""

    title: Title | None = None
    description: Description | None = None
    priority: Priority | None = None
    tags: Tags | None = None
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = None
    recurrence: Rule | None = None
    time_zone: TimeZone | None = None

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("this field cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class TaskOut(BaseModel):
    id: int
    title: str
    description: str
    completed: bool
    priority: Priority
    tags: list[str]
    due_at: datetime | None
    remind_at: datetime | None
    recurrence: str | None
    time_zone: str = Field(description="The IANA time zone the recurrence is counted in")
    series_id: str | None = Field(description="Shared by the tasks of one recurring series")
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    page_size: int


class TagCount(BaseModel):
    tag: str
    count: int


class TagList(BaseModel):
    items: list[TagCount]


class TaskEvent(BaseModel):
    event_id: str
    event_type: str
    task_id: int
    user_id: int
    timestamp: datetime
    version: int
    task_data: TaskOut


class History(BaseModel):
    items: list[TaskEvent]
