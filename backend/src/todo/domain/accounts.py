"""User accounts as the rest of the code sees them (never with the password hash)."""

from __future__ import annotations

import unicodedata
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
    """The one form of an address wherever it is a key (the account, login throttling).

    Unique case-insensitively and whatever the Unicode composition: " Zoë@X.org", "ZOË@x.org"
    and "zoe\u0308@x.org" are one address.
    """
    return unicodedata.normalize("NFC", email.strip().lower())
