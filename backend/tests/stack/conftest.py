"""Fixtures for the tests on the real stack (PostgreSQL, Kafka, Dapr sidecars, every service).

`stack` (session): todo.stack.Stack on free ports, its apps' mail going to `smtp`.
`smtp` (session): a recording SMTP server (aiosmtpd) on a free port.
`client`: tests.stack.client.StackClient over an httpx client for the api.
After each test, anything of the stack that is not running again is restarted (a test that
stopped a service and failed half-way must not break the next ones); a process that exited on
its own during the test fails that test with the end of its log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.stack.client import StackClient
from tests.stack.support import crash_report, running_stack
from tests.support.smtp import Inbox, smtp_server
from todo.stack import Stack


@pytest.fixture(scope="session")
def smtp() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture(scope="session")
async def stack(smtp: Inbox) -> AsyncIterator[Stack]:
    async with running_stack(smtp_host=smtp.host, smtp_port=smtp.port) as running:
        yield running


@pytest.fixture(autouse=True)
async def _stack_stays_whole(stack: Stack) -> AsyncIterator[None]:
    yield
    crashed = crash_report(stack)
    await stack.heal()
    if crashed:
        pytest.fail(f"a process of the stack exited during the test:\n{crashed}", pytrace=False)


@pytest.fixture
async def client(stack: Stack, smtp: Inbox) -> AsyncIterator[StackClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, trust_env=False) as http:
        yield StackClient(stack, smtp, http)
