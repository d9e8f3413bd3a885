"""Bearer tokens to user ids: a valid signature, and an account that exists.

A token's signature alone does not prove its subject is a user (the account may be gone, or
the key may have signed an id that never existed): writing a task for it would fail on the
foreign key. Known accounts are remembered for a minute, so a request costs no extra round
trip after the first one of a user.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.auth import tokens
from todo.settings import Settings
from todo.storage.repository import UserRepository

KNOWN_SECONDS = 60.0
_KNOWN_MAX = 10_000


class Authenticator:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._known: dict[int, float] = {}  # user id -> until when it is known to exist

    async def user_id(self, token: str) -> int:
        """The id of the existing user `token` speaks for; tokens.InvalidToken otherwise."""
        user_id = tokens.user_id_from(self._settings, token)
        now = time.monotonic()
        if self._known.get(user_id, 0.0) > now:
            return user_id
        async with self._sessions() as session:
            account = await UserRepository(session).by_id(user_id)
        if account is None:
            raise tokens.InvalidToken("its account does not exist")
        if len(self._known) >= _KNOWN_MAX:
            self._known.clear()
        self._known[user_id] = now + KNOWN_SECONDS
        return user_id
