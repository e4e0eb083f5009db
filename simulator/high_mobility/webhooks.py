"""High Mobility's webhook out: `fleet_clearance_changed` when a car's clearance moves on, and
`ping` when the webhook is set up (the console's test).

Each delivery is signed `X-HM-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>` and names
its event (`X-HM-Event`) and delivery (`X-HM-Delivery`). The body, `{vehicle: {vin}, event:
{action, detail}}`, is unconfirmed (see the providers reference); the detail carries the new
clearance state and its reason. A webhook watches the fleets of both environments. High
Mobility's retries are not documented: a failed delivery is not sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any
import uuid

import aiohttp

from simulator.clock import isoformat

if TYPE_CHECKING:
    from simulator.state import SimulatorState

HM_WEBHOOK_SECRET = "sim-hm-webhook-secret"
DELIVERY_TIMEOUT = 15.0


def sign(secret: str, body: bytes) -> str:
    """The value of `X-HM-Signature-256` for body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class HmDelivery:
    """One event on its way."""

    event: str
    vin: str | None
    message: dict[str, Any]


@dataclass
class HmWebhook:
    """The application's webhook as the console sets it up."""

    id: str
    url: str
    secret: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    # (environment, VIN) -> the clearance state last told.
    told: dict[tuple[str, str], str] = field(default_factory=dict)
    queue: list[HmDelivery] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The webhook as `GET /_simulator/webhooks` lists it."""
        return {
            "id": self.id,
            "provider": "high_mobility",
            "url": self.url,
            "verified": True,
            "subscriptions": [],
            "attempts": self.attempts,
            "faults": [],
        }


class HighMobilityWebhooks:
    """The webhooks of High Mobility applications, and what they were told."""

    def __init__(self, secret: str, now: Callable[[], float]) -> None:
        """Sign with secret; now is the simulator's clock."""
        self.secret = secret
        self._now = now
        self.webhooks: dict[str, HmWebhook] = {}

    def create(self, url: str, state: SimulatorState) -> HmWebhook:
        """A new webhook: the clearances as they stand are known to it; a ping goes at once."""
        webhook = HmWebhook(id=str(uuid.uuid4()), url=url, secret=self.secret)
        webhook.told = dict(self._statuses(state))
        webhook.queue.append(HmDelivery("ping", None, {"event": {"action": "ping"}}))
        self.webhooks[webhook.id] = webhook
        return webhook

    def delete(self, webhook_id: str) -> bool:
        """Remove a webhook; whether it existed."""
        return self.webhooks.pop(webhook_id, None) is not None

    def _statuses(self, state: SimulatorState) -> dict[tuple[str, str], str]:
        now = self._now()
        return {
            (name, clearance.vin): clearance.status
            for name, app in state.high_mobility.environments.items()
            for clearance in app.fleet.all(now)
        }

    def find_changes(self, state: SimulatorState) -> None:
        """Queue `fleet_clearance_changed` for every clearance that moved on since it was told."""
        if not self.webhooks:
            return
        statuses = self._statuses(state)
        for webhook in self.webhooks.values():
            for (environment, vin), status in statuses.items():
                if webhook.told.get((environment, vin)) == status:
                    continue
                webhook.told[environment, vin] = status
                clearance = state.high_mobility.environments[environment].fleet.get(
                    vin, self._now()
                )
                reason = clearance.changelog[-1].reason if clearance else None
                detail = {"status": status, **({"reason": reason} if reason else {})}
                message = {
                    "vehicle": {"vin": vin},
                    "event": {"action": "fleet_clearance_changed", "detail": detail},
                }
                webhook.queue.append(HmDelivery("fleet_clearance_changed", vin, message))

    async def deliver(self, session: aiohttp.ClientSession) -> None:
        """Send what is queued, one webhook's deliveries in order."""
        for webhook in list(self.webhooks.values()):
            queue, webhook.queue = webhook.queue, []
            for delivery in queue:
                await self._attempt(session, webhook, delivery)

    async def _attempt(
        self, session: aiohttp.ClientSession, webhook: HmWebhook, delivery: HmDelivery
    ) -> None:
        body = json.dumps(delivery.message).encode()
        delivery_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "X-HM-Event": delivery.event,
            "X-HM-Delivery": delivery_id,
            "X-HM-Signature-256": sign(webhook.secret, body),
        }
        status: int | None = None
        failure: str | None = None
        try:
            async with session.post(
                webhook.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT),
                allow_redirects=False,
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            failure = type(error).__name__
        webhook.attempts.append(
            {
                "time": isoformat(self._now()),
                "event_id": delivery_id,
                "event_type": delivery.event,
                "vehicle_id": delivery.vin,
                "retry": 0,
                "status": status,
                "error": failure,
                "delivered": status is not None and 200 <= status < 300,
            }
        )
