"""Login throttling per account and per client address (the `limits` library, in memory).

In memory means per process: with several api replicas each keeps its own window, so the
effective limit is a multiple of the configured one. `limits` supports shared storage
(Redis, Memcached) behind the same calls when that matters.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from todo.settings import Settings


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_account = parse(settings.login_account_rate)
        self._per_client = parse(settings.login_client_rate)

    async def _retry_after(self, item: object, *keys: str) -> int:
        stats = await self._limiter.get_window_stats(item, *keys)  # type: ignore[arg-type]
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def check(self, email: str, client: str) -> None:
        """Count an attempt from `client`; refuse when it or the account is over its limit."""
        if not await self._limiter.hit(self._per_client, "client", client):
            raise Throttled(await self._retry_after(self._per_client, "client", client))
        if not await self._limiter.test(self._per_account, "account", email.lower()):
            raise Throttled(await self._retry_after(self._per_account, "account", email.lower()))

    async def failed(self, email: str) -> None:
        """Failed logins count against the account; successful ones do not."""
        await self._limiter.hit(self._per_account, "account", email.lower())
