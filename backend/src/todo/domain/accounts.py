"""User accounts as the rest of the code sees them (never with the password hash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PASSWORD_MIN = 8


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    created_at: datetime


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: stored and compared lower-cased."""
    return email.strip().lower()
