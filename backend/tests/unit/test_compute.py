"""The killable worker pool that bounds recurrence computations."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from todo import compute
from todo.domain.recurrence import next_occurrence


def spin_for_ever() -> None:
    while True:
        pass


def add(a: int, b: int) -> int:
    return a + b


async def test_a_runaway_computation_is_killed_and_the_pool_goes_on() -> None:
    with pytest.raises(compute.ComputationTooLong):
        await compute.run(spin_for_ever, limit_seconds=0.3)
    # The worker that spun was replaced: later work still runs, several at once.
    assert await asyncio.gather(*(compute.run(add, i, 1) for i in range(20))) == list(range(1, 21))


async def test_the_loop_is_free_while_a_worker_spins() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    with pytest.raises(compute.ComputationTooLong):
        await compute.run(spin_for_ever, limit_seconds=0.5)
    ticker.cancel()
    assert ticks >= 10


async def test_a_rule_stored_before_validation_tightened_ends_in_bounded_time() -> None:
    due = datetime(2030, 1, 7, 9, tzinfo=UTC)
    started = time.monotonic()
    with pytest.raises(compute.ComputationTooLong):
        await compute.run(next_occurrence, "FREQ=DAILY;INTERVAL=0", due, due, "UTC")
    assert time.monotonic() - started < 30  # a bound, not a benchmark: it used to never end
