from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from todo.domain.errors import InvalidTask
from todo.domain.recurrence import next_occurrence, normalize_rule, recurs, validate_time_zone

MONDAY_9 = datetime(2030, 1, 7, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("rrule:freq=daily", "FREQ=DAILY"),
        ("  FREQ=MONTHLY;BYMONTHDAY=1  ", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("FREQ=YEARLY;UNTIL=20350101T000000Z", "FREQ=YEARLY;UNTIL=20350101T000000Z"),
    ],
)
def test_valid_rules_are_normalized(rule: str, canonical: str) -> None:
    assert normalize_rule(rule) == canonical


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("", "RRULE"),
        ("WEEKLY", "FREQ"),
        ("BYDAY=MO", "FREQ"),
        ("FREQ=FORTNIGHTLY", "not a valid RRULE"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("FREQ=MINUTELY", "hourly"),
        ("FREQ=SECONDLY", "hourly"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;UNTIL=20350101T000000", "UTC"),
        ("DTSTART:20300101T000000Z\nRRULE:FREQ=DAILY", "single RRULE"),
        ("FREQ=DAILY;" + "BYHOUR=1;" * 100, "longer than"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=HOURLY;INTERVAL=-3", "INTERVAL"),
        ("FREQ=YEARLY;INTERVAL=1001", "INTERVAL"),
        ("FREQ=HOURLY;BYMINUTE=0,30", "hourly"),
        ("FREQ=DAILY;BYHOUR=9;BYSECOND=0,30", "hourly"),
        ("FREQ=DAILY;BYMINUTE=0;BYMINUTE=30", "more than once"),
        ("FREQ=DAILY;FREQ=HOURLY", "more than once"),
    ],
)
def test_invalid_rules_say_why(rule: str, says: str) -> None:
    with pytest.raises(InvalidTask, match=says) as info:
        normalize_rule(rule)
    assert info.value.field == "recurrence"


def test_weekly_rolls_to_next_week_same_time() -> None:
    nxt = next_occurrence("FREQ=WEEKLY;BYDAY=MO", MONDAY_9, now=MONDAY_9)
    assert nxt is not None and nxt.due_at == MONDAY_9 + timedelta(days=7)


def test_weekdays_skip_the_weekend() -> None:
    friday = datetime(2030, 1, 11, 9, tzinfo=UTC)
    nxt = next_occurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", friday, now=friday)
    assert nxt is not None and nxt.due_at == datetime(2030, 1, 14, 9, tzinfo=UTC)


def test_monthly_on_the_31st_skips_short_months() -> None:
    jan31 = datetime(2030, 1, 31, 12, tzinfo=UTC)
    nxt = next_occurrence("FREQ=MONTHLY;BYMONTHDAY=31", jan31, now=jan31)
    assert nxt is not None and nxt.due_at == datetime(2030, 3, 31, 12, tzinfo=UTC)


def test_late_completion_skips_past_occurrences_and_keeps_the_phase() -> None:
    now = MONDAY_9 + timedelta(days=20, hours=3)
    nxt = next_occurrence("FREQ=WEEKLY;BYDAY=MO", MONDAY_9, now=now)
    assert nxt is not None and nxt.due_at == MONDAY_9 + timedelta(days=21)


def test_count_carries_the_remainder_and_ends() -> None:
    first = next_occurrence("FREQ=DAILY;COUNT=3", MONDAY_9, now=MONDAY_9)
    assert first is not None and first.rule == "FREQ=DAILY;COUNT=2"
    second = next_occurrence(first.rule, first.due_at, now=first.due_at)
    assert second is not None and second.rule == "FREQ=DAILY;COUNT=1"
    assert next_occurrence(second.rule, second.due_at, now=second.due_at) is None


def test_until_ends_the_series() -> None:
    rule = "FREQ=DAILY;UNTIL=20300108T090000Z"
    nxt = next_occurrence(rule, MONDAY_9, now=MONDAY_9)
    assert nxt is not None and nxt.due_at == MONDAY_9 + timedelta(days=1)
    assert next_occurrence(rule, nxt.due_at, now=nxt.due_at) is None


FREQS = st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"])
INTERVALS = st.integers(min_value=1, max_value=5)
DUES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@given(freq=FREQS, interval=INTERVALS, due=DUES, late=st.integers(0, 1000))
def test_next_is_always_after_due_and_now(
    freq: str, interval: int, due: datetime, late: int
) -> None:
    rule = normalize_rule(f"FREQ={freq};INTERVAL={interval}")
    now = due + timedelta(hours=late)
    nxt = next_occurrence(rule, due, now)
    assert nxt is not None
    assert nxt.due_at > due and nxt.due_at > now
    assert nxt.rule == rule


# --- time zones: the series is counted where the user lives ---------------------------------

LA = ZoneInfo("America/Los_Angeles")
PARIS = ZoneInfo("Europe/Paris")


def test_weekdays_are_the_users_weekdays() -> None:
    # Monday 18:00 in Los Angeles is Tuesday 02:00 UTC: the next is the next Monday there.
    due = datetime(2026, 11, 30, 18, 0, tzinfo=LA)
    nxt = next_occurrence("FREQ=WEEKLY;BYDAY=MO", due.astimezone(UTC), due, "America/Los_Angeles")
    assert nxt is not None
    local = nxt.due_at.astimezone(LA)
    assert (local.weekday(), local.hour, local.minute) == (0, 18, 0)
    assert local.date().isoformat() == "2026-12-07"
    assert nxt.due_at.tzinfo is UTC


def test_wall_clock_time_survives_daylight_saving() -> None:
    # Daily 09:00 in Paris across the end of summer time (25 Oct 2026): 07:00 UTC -> 08:00 UTC.
    due = datetime(2026, 10, 24, 9, 0, tzinfo=PARIS)
    nxt = next_occurrence("FREQ=DAILY", due.astimezone(UTC), due, "Europe/Paris")
    assert nxt is not None
    assert nxt.due_at.astimezone(PARIS).hour == 9
    assert nxt.due_at - due.astimezone(UTC) == timedelta(hours=25)


def test_monthly_day_is_the_users_day() -> None:
    # 1 April 00:30 in Paris is 31 March in UTC; counted in UTC it would skip 30-day months.
    due = datetime(2026, 4, 1, 0, 30, tzinfo=PARIS)
    nxt = next_occurrence("FREQ=MONTHLY", due.astimezone(UTC), due, "Europe/Paris")
    assert nxt is not None
    assert nxt.due_at.astimezone(PARIS).replace(tzinfo=None) == datetime(2026, 5, 1, 0, 30)


@pytest.mark.parametrize(
    "name",
    ["Mars/Olympus", "../etc/passwd", "", "x" * 65, "UTC ", "America", "localtime", "Factory"],
)
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidTask) as info:
        validate_time_zone(name)
    assert info.value.field == "time_zone"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=DAILY", True),
        ("FREQ=DAILY;COUNT=1", True),  # the pattern recurs; COUNT only ends the series
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", True),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", False),
        ("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", False),
        ("FREQ=WEEKLY;UNTIL=20300101T000000Z", False),  # ends before its first task
        ("FREQ=WEEKLY;UNTIL=20300114T090000Z", True),
    ],
)
def test_recurs_tells_rules_that_never_occur(rule: str, expected: bool) -> None:
    assert recurs(rule, MONDAY_9, "Europe/Paris") is expected
