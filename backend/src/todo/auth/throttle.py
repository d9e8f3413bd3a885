"""Login throttling per account and per client address (the `limits` library's moving window).

The windows live in the database (todo.storage.rate_limits), so every api replica counts into
the same ones: three replicas do not triple the configured limit.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.domain.accounts import normalize_email
from todo.settings import Settings
from todo.storage.rate_limits import DatabaseStorage


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class LoginThrottle:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._limiter = MovingWindowRateLimiter(DatabaseStorage(sessions))
        self._per_account = parse(settings.login_account_rate)
        self._per_client = parse(settings.login_client_rate)

    async def _retry_after(self, item: object, *keys: str) -> int:
        stats = await self._limiter.get_window_stats(item, *keys)  # type: ignore[arg-type]
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def check(self, email: str, client: str) -> None:
        """Count an attempt from `client`; refuse when it or the account is over its limit."""
        if not await self._limiter.hit(self._per_client, "client", client):
            raise Throttled(await self._retry_after(self._per_client, "client", client))
        account = normalize_email(email)
        if not await self._limiter.test(self._per_account, "account", account):
            raise Throttled(await self._retry_after(self._per_account, "account", account))

    async def failed(self, email: str) -> None:
        """Failed logins count against the account; successful ones do not."""
        await self._limiter.hit(self._per_account, "account", normalize_email(email))
