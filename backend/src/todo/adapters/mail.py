"""Email over SMTP (aiosmtplib); without a configured host, emails are only logged."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from todo.observability import tracing
from todo.observability.logging import get_logger
from todo.settings import Settings

log = get_logger(__name__)


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, to: str, subject: str, body: str) -> None:
        if not self.settings.smtp_host:
            # Never the body: it may hold what the user wrote. Only that a mail would go out.
            log.info("email not sent: no SMTP host configured (TODO_SMTP_HOST)", subject=subject)
            return
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with tracing.span("smtp send", host=self.settings.smtp_host):
            await self._send(message)

    async def _send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=10,
        )
