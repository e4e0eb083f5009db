"""What a provider that pushes changes to a webhook brings: how to read a delivery, and how to
(un)subscribe a car. The Home Assistant side (push.py) is the same for every provider."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..api.client import VehicleClient
from ..api.push import PushChallenge, PushDelivery


class PushSupport(ABC):
    """A provider's webhooks."""

    # The option that holds the key deliveries are signed with (Smartcar: the AMT).
    secret_option: str
    # The text options of the webhook the options form asks for, the secret among them.
    option_keys: tuple[str, ...]
    # How long a car's push stays healthy after its last delivery; then polling resumes.
    healthy_for: timedelta

    @abstractmethod
    def read(
        self, secret: str, body: bytes, headers: Mapping[str, str]
    ) -> PushChallenge | PushDelivery:
        """A delivery's meaning; raise SignatureError or MalformedDeliveryError to refuse it."""

    @abstractmethod
    async def async_subscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str
    ) -> None:
        """Have the provider send the car's changes to its webhook webhook_id."""

    @abstractmethod
    async def async_unsubscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str, secret: str
    ) -> None:
        """Stop the car's deliveries."""

    @abstractmethod
    def webhook_id(self, options: Mapping[str, Any]) -> str | None:
        """The provider's id of its webhook, as the options name it (None: not known yet)."""
