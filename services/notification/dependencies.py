"""Nameko wiring of the notification settings: SMTP and retries come from the
service config (so tests can set them) and fall back to the environment."""
from collections import deque
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from services.common.config import setting
from services.notification.channels import Channel, build_channels


def config_value(config: dict, name: str, default: str = "") -> str:
    value = config.get(name)
    if value is None or value == "":
        value = setting(name)
    return str(value) if value not in (None, "") else default


@dataclass
class Delivery:
    channels: dict[str, Channel]
    max_attempts: int
    outgoing: deque = field(default_factory=deque)  # stored claimed by this process, for its delivery loop


class DeliverySettings(DependencyProvider):
    """Injects the channels this deployment can use, the retry limit, and this process's queue of messages
    stored claimed for their first attempt (`outgoing`: filled by the event handlers, emptied by the
    delivery loop; one per container, so every worker of the process shares it)."""

    def setup(self):
        config = self.container.config
        channels = build_channels(
            config_value(config, "SMTP_HOST"),
            int(config_value(config, "SMTP_PORT", "25")),
            config_value(config, "SMTP_SENDER", "noreply@zwfw.example.gov.cn"),
        )
        self.delivery = Delivery(channels, int(config_value(config, "DELIVERY_MAX_ATTEMPTS", "8")))

    def get_dependency(self, worker_ctx):
        return self.delivery
