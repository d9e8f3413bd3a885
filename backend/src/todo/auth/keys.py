"""The JWT signing key and the app API token, in every mode.

No key is ever written in the code: a constant development key would let anyone who reaches a
`make run` port sign a token for any user. Unset, development generates random values and
keeps them in its data directory (sessions survive restarts, a new data directory gets new
keys), tests generate them per process, and every other environment must configure them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from todo.settings import Environment, Settings


class MissingSecret(Exception):
    pass


def ensure_secrets(settings: Settings) -> Settings:
    """`settings` with jwt_secret and app_api_token set (generated or read where allowed)."""
    updates = {}
    if settings.jwt_secret is None:
        updates["jwt_secret"] = _local(settings, "jwt-secret", "TODO_JWT_SECRET")
    if settings.app_api_token is None:
        updates["app_api_token"] = _local(settings, "app-api-token", "APP_API_TOKEN")
    return settings.model_copy(update=updates) if updates else settings


def _local(settings: Settings, name: str, variable: str) -> str:
    if settings.environment is Environment.test:
        return secrets.token_urlsafe(48)
    if settings.environment is not Environment.development:
        raise MissingSecret(
            f"{variable} must be set outside development (environment is "
            f"{settings.environment.value}); generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return _read_or_create(settings.data_path / name)


def _read_or_create(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(48) + "\n", encoding="ascii")
        draft.chmod(0o600)
        try:
            # A hard link appears complete or not at all, and fails if another process
            # starting at the same time got there first: both then read its value.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise MissingSecret(f"{path} holds no usable key; delete it and a new one is made")
    return value
