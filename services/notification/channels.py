"""Channel adapters (发送渠道) behind one small interface: `send(address, title, body)`.

A channel raises DeliveryFailed (or any exception) when the message did not go
out; the courier records the failure and retries later. The in-app inbox needs
no sending: storing the message is its delivery. Signed webhooks for the
provincial network will be one more adapter here.
"""
import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from services.common.masking import mask_phone

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The channel could not hand the message over."""


class Channel(Protocol):
    name: str

    def send(self, address: str | None, title: str, body: str) -> None: ...


class InboxChannel:
    """The in-app inbox: the stored message is the delivery."""
    name = "inbox"

    def send(self, address, title, body) -> None:
        return None


class SmsGateway(Protocol):
    """An SMS provider's API: a real provider (with its signature and template ids) plugs in here."""

    def send(self, phone: str, text: str) -> None: ...


class LogSmsGateway:
    """Default gateway: records each send in the log (phone masked) and in `sent`, sends nothing."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((mask_phone(phone), text))
        log.info("sms to %s (%d characters)", mask_phone(phone), len(text))
        log.debug("sms text to %s: %s", mask_phone(phone), text)


class SmsChannel:
    name = "sms"

    def __init__(self, gateway: SmsGateway):
        self.gateway = gateway

    def send(self, address, title, body) -> None:
        if not address:
            raise DeliveryFailed("no phone number")
        self.gateway.send(address, body)


class EmailChannel:
    """Email over SMTP (smtplib), plain text in UTF-8."""
    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0):
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, address, title, body) -> None:
        if not address:
            raise DeliveryFailed("no email address")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = address
        message["Subject"] = title
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def build_channels(smtp_host: str, smtp_port: int, smtp_sender: str,
                   sms_gateway: SmsGateway | None = None) -> dict[str, Channel]:
    """The channels this deployment can use: email only when an SMTP host is configured."""
    channels: dict[str, Channel] = {"inbox": InboxChannel(), "sms": SmsChannel(sms_gateway or LogSmsGateway())}
    if smtp_host:
        channels["email"] = EmailChannel(smtp_host, smtp_port, smtp_sender)
    return channels
