"""Signing up and logging in."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import IntegrityError

from todo.auth.passwords import hash_password, verify_password
from todo.clock import utcnow
from todo.domain.accounts import Account, normalize_email
from todo.domain.errors import BadCredentials, EmailTaken
from todo.storage.uow import UnitOfWork

_TAKEN = "an account with this email already exists; log in instead"


# Argon2 costs tens of milliseconds of CPU by design (over half a second on a busy machine):
# in a thread (argon2 releases the GIL), never on the event loop, where every login would
# stall every other request meanwhile.


async def signup(uow: UnitOfWork, email: str, password: str, name: str) -> Account:
    email = normalize_email(email)
    password_hash = await asyncio.to_thread(hash_password, password)
    async with uow:
        if await uow.users.credentials(email) is not None:
            raise EmailTaken(_TAKEN)
        try:
            account = await uow.users.add(email, name.strip(), password_hash, utcnow())
            await uow.commit()
        except IntegrityError as exc:
            # Two signups raced; the unique index decided.
            raise EmailTaken(_TAKEN) from exc
    return account


async def login(uow: UnitOfWork, email: str, password: str) -> Account:
    async with uow:
        found = await uow.users.credentials(normalize_email(email))
    # Verified even for an unknown email, so timing does not tell which emails exist.
    matches = await asyncio.to_thread(verify_password, password, found[1] if found else None)
    if found is None or not matches:
        raise BadCredentials("email or password is wrong")
    return found[0]


async def get_account(uow: UnitOfWork, user_id: int) -> Account | None:
    async with uow:
        return await uow.users.by_id(user_id)
