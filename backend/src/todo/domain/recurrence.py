"""Recurrence rules (RFC 5545 RRULE) and the next occurrence of a series."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from dateutil.rrule import HOURLY, rrule, rrulestr

from todo.domain.errors import InvalidTask

_MAX_RULE_LENGTH = 500
# "Every 1000 days" is already more than any user asks for; larger steps only lengthen the walk.
_MAX_INTERVAL = 1000
# With one minute and one second, two occurrences are a whole number of hours apart.
_SINGLE_VALUED = ("BYMINUTE", "BYSECOND")
_RULE_PREFIX = "RRULE:"
_COUNT = re.compile(r"(?<![A-Z])COUNT=(\d+)")
_VALIDATION_START = datetime(2000, 1, 1, tzinfo=UTC)
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")
ZONE_NAME_MAX = 64


@dataclass(frozen=True)
class Occurrence:
    """The next task of a series: its due date and the rule it carries on with."""

    due_at: datetime
    rule: str


def _parse(rule: str, dtstart: datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=dtstart, forceset=False)
    if not isinstance(parsed, rrule):
        raise InvalidTask("recurrence", "recurrence must be a single RRULE")
    return parsed


def normalize_rule(rule: str) -> str:
    """Validate a rule and return it in canonical form (upper case, no `RRULE:` prefix).

    Only the RRULE part is accepted: the series starts at the task's due date, so a DTSTART,
    EXDATE or several rules would contradict the task itself.
    """
    text = rule.strip().upper()
    if text.startswith(_RULE_PREFIX):
        text = text[len(_RULE_PREFIX) :]
    if not text:
        raise InvalidTask("recurrence", "recurrence must be an RRULE such as FREQ=WEEKLY;BYDAY=MO")
    if len(text) > _MAX_RULE_LENGTH:
        raise InvalidTask("recurrence", f"recurrence is longer than {_MAX_RULE_LENGTH} characters")
    if any(ch in text for ch in "\r\n:"):
        raise InvalidTask(
            "recurrence", "recurrence must be a single RRULE value, without DTSTART or EXDATE"
        )
    parts = [part for part in text.split(";") if part]
    if any("=" not in part for part in parts) or not any(p.startswith("FREQ=") for p in parts):
        raise InvalidTask(
            "recurrence",
            "recurrence must be NAME=VALUE parts separated by ';' including FREQ, "
            "such as FREQ=WEEKLY;BYDAY=MO",
        )
    names = [part.split("=", 1)[0] for part in parts]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidTask("recurrence", f"{repeated[0]} appears more than once in the recurrence")
    for part in parts:
        name, value = part.split("=", 1)
        if name in _SINGLE_VALUED and "," in value:
            raise InvalidTask(
                "recurrence",
                f"{name} takes one value: recurrence more frequent than hourly is not supported",
            )
    try:
        parsed = _parse(text, _VALIDATION_START)
    except InvalidTask:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise InvalidTask("recurrence", f"recurrence is not a valid RRULE: {exc}") from exc
    if parsed._freq > HOURLY:  # dateutil exposes no public accessor
        raise InvalidTask("recurrence", "recurrence more frequent than hourly is not supported")
    if parsed._count is not None and parsed._count < 1:
        raise InvalidTask("recurrence", "COUNT must be at least 1")
    if not 1 <= parsed._interval <= _MAX_INTERVAL:
        raise InvalidTask("recurrence", f"INTERVAL must be 1 to {_MAX_INTERVAL}")
    return text


def validate_time_zone(name: str) -> str:
    """An IANA time zone name the series is counted in (e.g. Europe/Paris), or InvalidTask."""
    if not (0 < len(name) <= ZONE_NAME_MAX and _ZONE_NAME.match(name)):
        raise InvalidTask("time_zone", "time_zone must be an IANA name such as Europe/Paris")
    # tzdata's list, not ZoneInfo(name) or the host's zone directory: those also take
    # directories ("America") and host-specific entries ("localtime").
    if name not in _zone_names():
        raise InvalidTask("time_zone", f"unknown time zone {name!r}; use an IANA name")
    return name


@cache
def _zone_names() -> frozenset[str]:
    names = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(names) - {"Factory"}


def recurs(rule: str, due_at: datetime, time_zone: str = "UTC") -> bool:
    """Whether the series has a date after its first task (COUNT aside: COUNT=1 only ends it).

    A rule can be valid in form and never occur (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30, or an
    UNTIL before the due date). Walking such a rule costs seconds (dateutil tries every period
    up to the year 9999): run this where the work is bounded (todo.compute), not on the loop.
    """
    local = due_at.astimezone(ZoneInfo(time_zone))
    return _parse(_without_count(rule), local).after(local, inc=False) is not None


def _without_count(rule: str) -> str:
    return _COUNT.sub("", rule).strip(";").replace(";;", ";")


def next_occurrence(
    rule: str, due_at: datetime, now: datetime, time_zone: str = "UTC"
) -> Occurrence | None:
    """The occurrence after the task due at `due_at`, or None when the series has ended.

    The series keeps its phase (weekday, day of month, wall-clock time) from `due_at` as seen in
    `time_zone`: "weekly on Monday at 18:00" in Los Angeles stays Monday 18:00 there, across
    daylight-saving changes, although in UTC it is Tuesday 02:00 or 01:00. A task completed late
    does not spawn occurrences already in the past: the next one is the first after `now`.
    COUNT=n on a task means "this one and n-1 more"; the next task carries the remainder.
    """
    zone = ZoneInfo(time_zone)
    found = _next_local(rule, due_at.astimezone(zone), now.astimezone(zone))
    return None if found is None else Occurrence(found.due_at.astimezone(UTC), found.rule)


def _next_local(rule: str, due_at: datetime, now: datetime) -> Occurrence | None:
    match = _COUNT.search(rule)
    if match is None:
        series = _parse(rule, due_at)
        nxt = series.after(due_at, inc=False)
        # Instants, not wall clocks: two datetimes of one zone compare by wall-clock time,
        # which is ambiguous in the hour the clocks go back.
        if nxt is not None and nxt.timestamp() <= now.timestamp():
            nxt = series.after(now, inc=False)
        return None if nxt is None else Occurrence(nxt, rule)

    remaining = int(match.group(1))
    open_ended = _parse(_without_count(rule), due_at)
    for index, candidate in enumerate(open_ended.xafter(due_at, inc=False), start=1):
        if index >= remaining:
            return None
        if candidate.timestamp() > now.timestamp():
            return Occurrence(candidate, _COUNT.sub(f"COUNT={remaining - index}", rule))
    return None
