"""Recurrence rules (RFC 5545 RRULE) and the next occurrence of a series."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil.rrule import HOURLY, rrule, rrulestr

from todo.domain.errors import InvalidTask

_MAX_RULE_LENGTH = 500
_RULE_PREFIX = "RRULE:"
_COUNT = re.compile(r"(?<![A-Z])COUNT=(\d+)")
_VALIDATION_START = datetime(2000, 1, 1, tzinfo=UTC)


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
    return text


def next_occurrence(rule: str, due_at: datetime, now: datetime) -> Occurrence | None:
    """The occurrence after the task due at `due_at`, or None when the series has ended.

    The series keeps its phase (weekday, time of day) from `due_at`. A task completed late does
    not spawn occurrences already in the past: the next one is the first after `now`.
    COUNT=n on a task means "this one and n-1 more"; the next task carries the remainder.
    """
    match = _COUNT.search(rule)
    if match is None:
        series = _parse(rule, due_at)
        nxt = series.after(due_at, inc=False)
        if nxt is not None and nxt <= now:
            nxt = series.after(now, inc=False)
        return None if nxt is None else Occurrence(nxt, rule)

    remaining = int(match.group(1))
    open_ended = _parse(_COUNT.sub("", rule).strip(";").replace(";;", ";"), due_at)
    for index, candidate in enumerate(open_ended.xafter(due_at, inc=False), start=1):
        if index >= remaining:
            return None
        if candidate > now:
            return Occurrence(candidate, _COUNT.sub(f"COUNT={remaining - index}", rule))
    return None
