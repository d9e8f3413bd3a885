"""Domain errors. The API maps each to one problem+json status."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `detail` is shown to the user as is."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidTask(DomainError):
    """A task field breaks a rule (422). `field` names the offending field."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class TaskNotFound(DomainError):
    """Missing, or someone else's: the two are indistinguishable on purpose (404)."""


class StaleVersion(DomainError):
    """If-Match named a version that is no longer current (412)."""


class EmailTaken(DomainError):
    """Signup with an email that already has an account (409)."""


class BadCredentials(DomainError):
    """Login failed; never says which half was wrong (401)."""
