"""Starting the real stack for the tests: the launcher (todo.stack) with free ports.

A part that cannot start FAILS the session with the launcher's message (which process, the
last lines of its log, what to do next), never a skip: these tests exist to run on real parts.
TODO_STACK_KEEP=1 keeps the run dir (every process's log) after the session.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from todo.stack import Stack, StackConfig, StackError
from todo.stack.errors import tail


def _say(line: str) -> None:
    # progress on the terminal with `pytest -s`; hidden (captured) otherwise
    print(line, flush=True)


@asynccontextmanager
async def running_stack(**overrides: Any) -> AsyncIterator[Stack]:
    """The whole stack on free loopback ports, the cron sweep every 5 s."""
    # With its own Zipkin and Prometheus, as under `make stack`.
    options: dict[str, Any] = {
        "say": _say,
        "keep": os.environ.get("TODO_STACK_KEEP") == "1",
        "zipkin": True,
        "prometheus": True,
    }
    stack = Stack(StackConfig.for_tests(**{**options, **overrides}))
    try:
        await stack.start()
    except StackError as e:
        pytest.fail(f"the stack did not start:\n{e}", pytrace=False)
    except Exception as e:  # an unexpected launcher error: still a failure, with the logs dir
        pytest.fail(
            f"the stack did not start: {type(e).__name__}: {e}\n(logs: {stack.logs_dir})",
            pytrace=True,
        )
    try:
        yield stack
    finally:
        await stack.stop()
        if stack.config.keep:
            print(f"stack run dir kept: {stack.run_dir}")


def crash_report(stack: Stack) -> str | None:
    """Processes of the stack that exited on their own, with the end of their logs."""
    crashed = stack.exited()
    if not crashed:
        return None
    return "\n".join(
        f"{p.name} exited with code {p.returncode}; last lines of {p.log}:\n{tail(p.log)}"
        for p in crashed
    )
