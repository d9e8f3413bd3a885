"""Signed JWT bearer tokens (PyJWT)."""

from __future__ import annotations

from datetime import timedelta

import jwt

from todo.clock import utcnow
from todo.settings import Settings

_AUDIENCE = "todo-api"
# User ids are positive 64-bit integers (the database's BIGINT); anything else is forged.
_ID_MAX = 2**63 - 1


class InvalidToken(Exception):
    pass


def issue(settings: Settings, user_id: int) -> str:
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "aud": _AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, _key(settings), algorithm=settings.jwt_algorithm)


def _key(settings: Settings) -> str:
    if settings.jwt_secret is None:  # todo.auth.keys.ensure_secrets was not called
        raise RuntimeError("no JWT signing key: the runtime resolves one at start")
    return settings.jwt_secret


def user_id_from(settings: Settings, token: str) -> int:
    """The user id a valid token speaks for; InvalidToken for anything else."""
    try:
        claims = jwt.decode(
            token,
            _key(settings),
            algorithms=[settings.jwt_algorithm],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
        subject = claims["sub"]
        user_id = int(subject) if isinstance(subject, str) and subject.isascii() else 0
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    if not 1 <= user_id <= _ID_MAX:
        raise InvalidToken("its subject is not a user id")
    return user_id
