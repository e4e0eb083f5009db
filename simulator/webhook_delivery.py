"""How the simulator's webhooks go out, whichever provider sends them.

A provider's hub says what it sends (the message, its headers and signature, its retry delays);
this module queues it, applies the faults the control API set (at queue time), sends a webhook's
deliveries one at a time in order, logs every attempt, and tries a failed one again after the
provider's delays on the simulator's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import copy
from dataclasses import dataclass, field
import functools
from typing import TYPE_CHECKING, Any

import aiohttp

from simulator.clock import isoformat

if TYPE_CHECKING:
    from simulator.state import SimulatorState

DELIVERY_TIMEOUT = 15.0
FAULTS = ("duplicate", "drop", "delay", "reorder", "bad_signature", "wrong_key")
WRONG_KEY = "not-the-webhook-secret"


@dataclass
class WebhookFault:
    """What happens to the next deliveries of a webhook."""

    type: str
    times: int
    seconds: float = 0.0


@dataclass
class Delivery:
    """One event on its way, with the attempts made so far."""

    webhook_id: str
    event_id: str
    event_type: str
    vehicle_id: str | None
    message: dict[str, Any]
    due: float
    retry: int = 0
    key: str | None = None  # signed with another key than the webhook's
    bad_signature: bool = False


@dataclass(kw_only=True)
class Webhook:
    """Where deliveries go, the secret they are signed with, the faults to come and the log."""

    id: str
    url: str
    secret: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    faults: list[WebhookFault] = field(default_factory=list)
    held: Delivery | None = None  # a `reorder` fault holds it until the next one is queued


class WebhookHub[W: Webhook]:
    """A provider's webhooks and the deliveries under way; the provider fills in what it sends."""

    # The waits before the second, third, ... attempt of a failed delivery.
    retry_delays: tuple[float, ...] = ()

    def __init__(self, now: Callable[[], float]) -> None:
        """Now is the simulator's clock."""
        self._now = now
        self.webhooks: dict[str, W] = {}
        self.queue: list[Delivery] = []

    async def find_changes(self, state: SimulatorState) -> None:
        """Queue what changed since the last look."""
        raise NotImplementedError

    def body(self, webhook: W, delivery: Delivery) -> bytes:
        """The body of one attempt."""
        raise NotImplementedError

    def sign(self, key: str, body: bytes) -> str:
        """The provider's signature of body."""
        raise NotImplementedError

    def headers(self, webhook: W, delivery: Delivery, signature: str) -> dict[str, str]:
        """The headers of one attempt, signed with signature where the provider signs."""
        raise NotImplementedError

    def exempt(self, delivery: Delivery) -> bool:
        """A delivery no fault touches and none tries again (Smartcar's VERIFY)."""
        return False

    def delivered(self, webhook: W, delivery: Delivery, status: int | None, answer: bytes) -> bool:
        """Whether the receiver took the delivery: a 2xx status, unless the provider checks more."""
        return status is not None and 200 <= status < 300

    def remove(self, webhook_id: str) -> bool:
        """Remove a webhook and its deliveries; whether it existed."""
        self.queue = [d for d in self.queue if d.webhook_id != webhook_id]
        return self.webhooks.pop(webhook_id, None) is not None

    def send(
        self,
        webhook: W,
        event_id: str,
        event_type: str,
        vehicle_id: str | None,
        message: dict[str, Any],
    ) -> None:
        """Queue a delivery, as the webhook's next fault changes it."""
        delivery = Delivery(webhook.id, event_id, event_type, vehicle_id, message, self._now())
        fault = webhook.faults[0] if webhook.faults and not self.exempt(delivery) else None
        held, webhook.held = webhook.held, None  # a reordered one goes after this one
        going: Delivery | None = delivery
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                webhook.faults.pop(0)
            match fault.type:
                case "drop":
                    going = None
                case "duplicate":  # the same delivery, sent twice
                    self.queue.append(copy.deepcopy(delivery))
                case "delay":
                    delivery.due += fault.seconds
                case "reorder":  # held back until the next one is queued
                    webhook.held, going = delivery, None
                case "bad_signature":
                    delivery.bad_signature = True
                case "wrong_key":
                    delivery.key = WRONG_KEY
        self.queue.extend(d for d in (going, held) if d is not None)

    def take_due(self, busy: set[str]) -> list[Delivery]:
        """The deliveries due now, in the order they were queued, but none of a busy webhook:
        one webhook's deliveries go one at a time."""
        now = self._now()
        due = [d for d in self.queue if d.due <= now and d.webhook_id not in busy]
        self.queue = [d for d in self.queue if d not in due]
        return due

    async def attempt_in_order(
        self, session: aiohttp.ClientSession, deliveries: list[Delivery]
    ) -> None:
        """Attempt deliveries one after the other (one webhook's, so they arrive in order)."""
        for delivery in deliveries:
            await self.attempt(session, delivery)

    async def attempt(self, session: aiohttp.ClientSession, delivery: Delivery) -> None:
        """POST one attempt; schedule the next one when it fails, or drop it after the last."""
        webhook = self.webhooks.get(delivery.webhook_id)
        if webhook is None:
            return
        body = self.body(webhook, delivery)
        signature = self.sign(delivery.key or webhook.secret, body)
        if delivery.bad_signature:  # of the right form, but not of this body
            signature = signature[:-1] + ("1" if signature.endswith("0") else "0")
        status: int | None = None
        answer = b""
        failure: str | None = None
        try:
            async with session.post(
                webhook.url,
                data=body,
                headers=self.headers(webhook, delivery, signature),
                timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT),
                allow_redirects=False,
            ) as response:
                status = response.status
                answer = await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            failure = type(error).__name__
        ok = self.delivered(webhook, delivery, status, answer)
        webhook.attempts.append(
            {
                "time": isoformat(self._now()),
                "event_id": delivery.event_id,
                "event_type": delivery.event_type,
                "vehicle_id": delivery.vehicle_id,
                "retry": delivery.retry,
                "status": status,
                "error": failure,
                "delivered": ok,
            }
        )
        if ok or self.exempt(delivery) or delivery.retry >= len(self.retry_delays):
            return
        delivery.due = self._now() + self.retry_delays[delivery.retry]
        delivery.retry += 1
        self.queue.append(delivery)


def hubs(state: SimulatorState) -> tuple[WebhookHub[Any], ...]:
    """Every provider's webhooks."""
    return (state.hm_webhooks, state.smartcar_webhooks)


async def run_deliveries(state: SimulatorState, wake: asyncio.Event) -> None:
    """Deliver for as long as the simulator runs: woken after every request, else each second."""
    busy: dict[str, asyncio.Task[None]] = {}

    def done(webhook_id: str, _: asyncio.Task[None]) -> None:
        busy.pop(webhook_id, None)
        wake.set()

    async with aiohttp.ClientSession() as session:
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), 1.0)
                wake.clear()
                for hub in hubs(state):
                    await hub.find_changes(state)
                    by_webhook: dict[str, list[Delivery]] = {}
                    for delivery in hub.take_due(set(busy)):
                        by_webhook.setdefault(delivery.webhook_id, []).append(delivery)
                    for webhook_id, deliveries in by_webhook.items():
                        task = asyncio.create_task(hub.attempt_in_order(session, deliveries))
                        busy[webhook_id] = task
                        task.add_done_callback(functools.partial(done, webhook_id))
        finally:
            for task in list(busy.values()):
                task.cancel()
