"""Smartcar webhooks out: signed deliveries to a configured URL, as Smartcar sends them.

A webhook is created as the dashboard would (control API); Smartcar sends VERIFY at once and
data flows only once the answer was right and the car is subscribed. Every change of a signal
of a subscribed car sends VEHICLE_STATE with all the signals (v4 envelope), or a `dynamic`
payload of v2 answers by path (legacy 2.0 envelope). A failed attempt (no 2xx within 15 s) is
tried again 25, 50 and 100 s later on the simulator's clock, then dropped. See the Webhooks
section of the Smartcar v3 reference. Queueing, faults, retries and the attempts log are the
shared ones (simulator/webhook_delivery.py); this module says what Smartcar sends.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from dataclasses import dataclass, field
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any
import uuid

from simulator.clock import isoformat
from simulator.smartcar.accounts import PERMISSIONS
from simulator.smartcar.endpoints import ENDPOINTS, Call
from simulator.smartcar.units import UnitSystem
from simulator.smartcar_v3.signals import SIGNALS, read_signal
from simulator.vehicle import Vehicle
from simulator.webhook_delivery import Delivery, Webhook, WebhookHub

if TYPE_CHECKING:
    from simulator.state import SimulatorState

VERSIONS = ("4.0", "2.0")
MODES = ("LIVE", "TEST")
ERROR_STATES = ("ERROR", "RESOLVED")
VERIFY = "VERIFY"
# The v2 reads a legacy payload carries, where the car has them.
LEGACY_PATHS = (
    "/battery",
    "/battery/capacity",
    "/charge",
    "/charge/limit",
    "/fuel",
    "/engine/oil",
    "/location",
    "/odometer",
    "/security",
    "/tires/pressure",
)


def sign(key: str, message: bytes) -> str:
    """Hex HMAC-SHA256 of message with key, Smartcar's `SC-Signature`."""
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _ms(timestamp: float) -> int:
    return round(timestamp * 1000)


@dataclass(kw_only=True)
class SmartcarWebhook(Webhook):
    """A webhook as the dashboard creates it (signed with the application management token)."""

    name: str
    version: str
    mode: str
    verified: bool = False
    # Car -> what it showed at the last delivery (signals or v2 answers), to see what changed.
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self, subscriptions: set[str]) -> dict[str, Any]:
        """The webhook as `GET /_simulator/webhooks` lists it."""
        return {
            "id": self.id,
            "provider": "smartcar",
            "url": self.url,
            "version": self.version,
            "mode": self.mode,
            "verified": self.verified,
            "subscriptions": sorted(subscriptions),
            "attempts": self.attempts,
            "faults": [fault.__dict__ for fault in self.faults],
        }


class SmartcarWebhooks(WebhookHub[SmartcarWebhook]):
    """The application's webhooks, its subscriptions, and what Smartcar sends them."""

    retry_delays = (25.0, 50.0, 100.0)  # after the first attempt, the second and the third

    def __init__(self, key: str, now: Callable[[], float]) -> None:
        """Sign with key (the application management token); now is the simulator's clock."""
        super().__init__(now)
        self.key = key
        # Webhook id -> subscribed car ids; the API may subscribe to a webhook id we do not hold.
        self.subscriptions: dict[str, set[str]] = {}

    def create(self, url: str, version: str, mode: str) -> SmartcarWebhook:
        """A new webhook; its VERIFY is queued at once."""
        webhook = SmartcarWebhook(
            id=str(uuid.uuid4()),
            name=f"webhook {len(self.webhooks) + 1}",
            url=url,
            version=version,
            mode=mode,
            secret=self.key,
        )
        self.webhooks[webhook.id] = webhook
        self.subscriptions.setdefault(webhook.id, set())
        self.queue_verify(webhook)
        return webhook

    def delete(self, webhook_id: str) -> bool:
        """Remove a webhook, its subscriptions and its deliveries; whether it existed."""
        self.subscriptions.pop(webhook_id, None)
        return self.remove(webhook_id)

    def subscribe(self, webhook_id: str, vehicle_id: str) -> None:
        """Subscribe a car; the next check sends its first delivery."""
        self.subscriptions.setdefault(webhook_id, set()).add(vehicle_id)

    def unsubscribe(self, webhook_id: str, vehicle_id: str) -> None:
        """Stop deliveries of a car."""
        self.subscriptions.get(webhook_id, set()).discard(vehicle_id)
        if webhook := self.webhooks.get(webhook_id):
            webhook.sent.pop(vehicle_id, None)

    def subscribed(self, webhook_id: str) -> set[str]:
        """The cars subscribed to a webhook."""
        return self.subscriptions.get(webhook_id, set())

    def queue_verify(self, webhook: SmartcarWebhook) -> None:
        """Send VERIFY, as on creation or the dashboard's Verify button."""
        challenge = uuid.uuid4().hex
        if webhook.version == "4.0":
            message: dict[str, Any] = {
                "eventId": str(uuid.uuid4()),
                "eventType": VERIFY,
                "data": {"challenge": challenge},
                "meta": {"version": "4.0", "webhookId": webhook.id, "webhookName": webhook.name},
            }
        else:
            message = {
                "version": "2.0",
                "webhookId": webhook.id,
                "eventName": "verify",
                "payload": {"challenge": challenge},
            }
        self._queue(webhook, VERIFY, None, message)

    def queue_vehicle_error(
        self, webhook: SmartcarWebhook, vehicle: Vehicle, error: dict[str, Any]
    ) -> None:
        """Send VEHICLE_ERROR for a subscribed car (v4 webhooks only)."""
        message = {
            "eventId": str(uuid.uuid4()),
            "eventType": "VEHICLE_ERROR",
            "data": {"vehicle": _vehicle_json(vehicle), "errors": [error]},
            "meta": {"version": "4.0", "webhookId": webhook.id, "webhookName": webhook.name},
        }
        self._queue(webhook, "VEHICLE_ERROR", vehicle.id, message)

    async def find_changes(self, state: SimulatorState) -> None:
        """Queue a delivery for every subscribed car whose signals changed since the last one."""
        for webhook in self.webhooks.values():
            if not webhook.verified:
                continue
            for vehicle_id in sorted(self.subscribed(webhook.id)):
                car = state.vehicles.get(vehicle_id)
                if car is None:
                    continue
                car.advance(self._now())
                await self._deliver_changes(webhook, car, state)

    async def _deliver_changes(
        self, webhook: SmartcarWebhook, car: Vehicle, state: SimulatorState
    ) -> None:
        now = self._now()
        if webhook.version == "4.0":
            current = _signals(car)
        else:
            current = await _v2_answers(car, state, now)
        before = webhook.sent.get(car.id)
        changed = [name for name in current if before is None or before.get(name) != current[name]]
        if not changed:
            return
        webhook.sent[car.id] = current
        if webhook.version == "4.0":
            trigger = "FIRST_DELIVERY" if before is None else "SIGNAL_UPDATED"
            message: dict[str, Any] = {
                "eventId": str(uuid.uuid4()),
                "eventType": "VEHICLE_STATE",
                "data": {
                    "user": {"id": "sim-user"},
                    "vehicle": _vehicle_json(car),
                    "signals": [_signal_item(body, car, now) for body in current.values()],
                },
                "triggers": [{"type": trigger, "signal": {"code": code}} for code in changed],
                "meta": {
                    "version": "4.0",
                    "webhookId": webhook.id,
                    "webhookName": webhook.name,
                    "signalCount": len(current),
                    "mode": webhook.mode,
                },
            }
            self._queue(webhook, "VEHICLE_STATE", car.id, message)
            return
        data = [
            {"path": path, **answer, "headers": _v2_headers(car)}
            for path, answer in current.items()
        ]
        message = {
            "version": "2.0",
            "webhookId": webhook.id,
            "eventName": "dynamic",
            "payload": {
                "vehicles": [{"vehicleId": car.id, "requestId": str(uuid.uuid4()), "data": data}]
            },
        }
        self._queue(webhook, "dynamic", car.id, message)

    def _queue(
        self,
        webhook: SmartcarWebhook,
        event_type: str,
        vehicle_id: str | None,
        message: dict[str, Any],
    ) -> None:
        event_id = str(message.get("eventId") or uuid.uuid4())
        self.send(webhook, event_id, event_type, vehicle_id, message)

    def body(self, webhook: SmartcarWebhook, delivery: Delivery) -> bytes:
        """The message, with `meta.deliveryId` new for every attempt (eventId stays)."""
        message = copy.deepcopy(delivery.message)
        if isinstance(meta := message.get("meta"), dict):
            meta["deliveryId"] = str(uuid.uuid4())
            meta["deliveredAt"] = _ms(self._now())
        return json.dumps(message).encode()

    def sign(self, key: str, body: bytes) -> str:
        """`SC-Signature`."""
        return sign(key, body)

    def headers(
        self, webhook: SmartcarWebhook, delivery: Delivery, signature: str
    ) -> dict[str, str]:
        """JSON from Smartcar, signed but for VERIFY."""
        headers = {"Content-Type": "application/json", "User-Agent": "Smartcar/4.0"}
        if delivery.event_type != VERIFY:
            headers["SC-Signature"] = signature
        return headers

    def exempt(self, delivery: Delivery) -> bool:
        """VERIFY: no fault touches it, and a failed one is not sent again."""
        return delivery.event_type == VERIFY

    def delivered(
        self, webhook: SmartcarWebhook, delivery: Delivery, status: int | None, answer: bytes
    ) -> bool:
        """A 2xx; for VERIFY also the right answer, which verifies the webhook."""
        ok = super().delivered(webhook, delivery, status, answer)
        if delivery.event_type != VERIFY:
            return ok
        message = delivery.message
        challenge = (message.get("data") or message.get("payload") or {})["challenge"]
        try:
            answered = json.loads(answer)
        except ValueError:
            answered = None
        expected = sign(webhook.secret, str(challenge).encode())
        webhook.verified = (
            ok and isinstance(answered, dict) and answered.get("challenge") == expected
        )
        return webhook.verified


def _vehicle_json(car: Vehicle) -> dict[str, Any]:
    return {"id": car.id, "make": car.make, "model": car.model, "year": car.year, "mode": "live"}


def _signals(car: Vehicle) -> dict[str, Any]:
    """Every signal of the car, as body or error, keyed by code: what a delivery compares."""
    current: dict[str, Any] = {}
    for code, signal in sorted(SIGNALS.items()):
        reading = read_signal(signal, car, PERMISSIONS)
        if reading.error is not None and reading.error[0] == "COMPATIBILITY":
            continue  # a signal the car does not have is not configured for it
        current[code] = {
            "code": code,
            "name": signal.name,
            "group": signal.group,
            "body": reading.body if reading.error is None else None,
            "error": list(reading.error) if reading.error else None,
            "recorded": reading.recorded,
        }
    return current


def _signal_item(signal: dict[str, Any], car: Vehicle, now: float) -> dict[str, Any]:
    item: dict[str, Any] = {k: signal[k] for k in ("code", "name", "group")}
    if signal["error"] is not None:
        error_type, code = signal["error"]
        item["status"] = {"value": "ERROR", "error": {"type": error_type, "code": code}}
        return item
    item["body"] = signal["body"]
    meta = {"retrievedAt": _ms(now)}
    if signal["recorded"]:
        meta["oemUpdatedAt"] = _ms(car.state.updated_at)
    item["meta"] = meta
    return item


async def _v2_answers(car: Vehicle, state: SimulatorState, now: float) -> dict[str, Any]:
    """The car's v2 answers by path, as a batch would give them (without billing)."""
    answers: dict[str, Any] = {}
    for path in LEGACY_PATHS:
        if f"GET {path}" not in car.capabilities:
            continue
        call = Call(
            state=state,
            request_id=str(uuid.uuid4()),
            vehicle=car,
            permissions=PERMISSIONS,
            units=UnitSystem.METRIC,
            now=now,
            method="GET",
            path=path,
            query={},
        )
        answers[path] = {"code": 200, "body": await ENDPOINTS[f"GET {path}"].handler(call)}
    return answers


def _v2_headers(car: Vehicle) -> dict[str, str]:
    return {"sc-unit-system": "metric", "sc-data-age": isoformat(car.state.updated_at)}
