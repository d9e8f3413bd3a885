"""Signed JWT bearer tokens (PyJWT)."""

from __future__ import annotations

from datetime import timedelta

import jwt

from todo.clock import utcnow
from todo.settings import Settings

_AUDIENCE = "todo-api"


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
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


def user_id_from(settings: Settings, token: str) -> int:
    """The user id a valid token speaks for; InvalidToken for anything else."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
