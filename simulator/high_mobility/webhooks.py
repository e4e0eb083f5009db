"""High Mobility's webhook out: `fleet_clearance_changed` when a car's clearance moves on, and
`ping` when the webhook is set up (the console's test).

As High Mobility's webhook docs say: each delivery is JSON from `User-Agent: HM-Webhook/1.2.0`,
names its event (`X-HM-Event`) and carries a unique delivery identifier (`X-HM-Delivery`), and
is signed `X-HM-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. A clearance change's
body is `{vehicle: {vin}, event: {action: <the new state>, detail?: <why>}}` (the new state in
`action` and the reason in `detail` are documented; the VIN's place is where a public receiver
reads it). A webhook watches the fleets of both environments. Queueing, faults and the attempts
log are the shared ones (simulator/webhook_delivery.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any
import uuid

from simulator.webhook_delivery import Delivery, Webhook, WebhookHub

if TYPE_CHECKING:
    from simulator.state import SimulatorState

HM_WEBHOOK_SECRET = "sim-hm-webhook-secret"
CLEARANCE_CHANGED = "fleet_clearance_changed"
PING = "ping"


def sign(secret: str, body: bytes) -> str:
    """The value of `X-HM-Signature-256` for body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(kw_only=True)
class HmWebhook(Webhook):
    """The application's webhook as the console sets it up."""

    # (environment, VIN) -> the clearance state last told.
    told: dict[tuple[str, str], str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The webhook as `GET /_simulator/webhooks` lists it."""
        return {
            "id": self.id,
            "provider": "high_mobility",
            "url": self.url,
            "verified": True,
            "subscriptions": [],
            "attempts": self.attempts,
            "faults": [fault.__dict__ for fault in self.faults],
        }


class HighMobilityWebhooks(WebhookHub[HmWebhook]):
    """The webhooks of High Mobility applications, and what they were told."""

    # High Mobility documents no retries: a failed delivery is not sent again.
    retry_delays = ()

    def __init__(self, secret: str, now: Callable[[], float]) -> None:
        """Sign with secret; now is the simulator's clock."""
        super().__init__(now)
        self.secret = secret

    def create(self, url: str, state: SimulatorState) -> HmWebhook:
        """A new webhook: the clearances as they stand are known to it; a ping goes at once."""
        webhook = HmWebhook(id=str(uuid.uuid4()), url=url, secret=self.secret)
        webhook.told = dict(self._statuses(state))
        self.webhooks[webhook.id] = webhook
        # The ping's body is not documented: an empty object stands for it.
        self.send(webhook, str(uuid.uuid4()), PING, None, {})
        return webhook

    def _statuses(self, state: SimulatorState) -> dict[tuple[str, str], str]:
        now = self._now()
        return {
            (name, clearance.vin): clearance.status
            for name, app in state.high_mobility.environments.items()
            for clearance in app.fleet.all(now)
        }

    async def find_changes(self, state: SimulatorState) -> None:
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
                event: dict[str, Any] = {"action": status}
                if reason:
                    event["detail"] = reason
                message = {"vehicle": {"vin": vin}, "event": event}
                # The delivery id is the event's: a duplicate is the same delivery sent again.
                self.send(webhook, str(uuid.uuid4()), CLEARANCE_CHANGED, vin, message)

    def body(self, webhook: HmWebhook, delivery: Delivery) -> bytes:
        """The message as queued."""
        return json.dumps(delivery.message).encode()

    def sign(self, key: str, body: bytes) -> str:
        """`X-HM-Signature-256`."""
        return sign(key, body)

    def headers(self, webhook: HmWebhook, delivery: Delivery, signature: str) -> dict[str, str]:
        """The documented headers; X-HM-Delivery is the delivery's id."""
        return {
            "Content-Type": "application/json",
            "User-Agent": "HM-Webhook/1.2.0",
            "X-HM-Event": delivery.event_type,
            "X-HM-Delivery": delivery.event_id,
            "X-HM-Signature-256": signature,
        }
