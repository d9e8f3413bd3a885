"""Settings read from the environment as a cluster's Secrets give them."""

from __future__ import annotations

import pytest

from todo.settings import Settings


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
@pytest.mark.parametrize("name", ["TODO_SMTP_HOST", "TODO_SMTP_USERNAME", "TODO_SMTP_PASSWORD"])
def test_an_empty_smtp_value_means_unset(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cloud scripts put TODO_SMTP_USERNAME="" in the app Secret when there is no login:
    # the notifier must then not try SMTP AUTH (a sink without AUTH refuses it).
    monkeypatch.setenv(name, value)
    settings = Settings(environment="test")
    assert getattr(settings, name.removeprefix("TODO_").lower()) is None


def test_a_smtp_login_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_SMTP_USERNAME", "mailer")
    assert Settings(environment="test").smtp_username == "mailer"
