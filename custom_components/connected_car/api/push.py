"""What a provider's webhook delivery means, whichever provider pushed it.

A provider module reads its own envelope (signature, challenge, payload) into these; the Home
Assistant side only ever sees these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ProviderError
from .model import Feature, Snapshot


class PushError(Exception):
    """A delivery that must be refused."""


class SignatureError(PushError):
    """The delivery is not signed with the application's key: it did not come from the provider."""


class MalformedDeliveryError(PushError):
    """The delivery is signed but not of any shape the provider documents."""


@dataclass(frozen=True)
class PushChallenge:
    """The provider checks that the webhook is ours: answer with this JSON body.

    webhook_id is the provider's id of the webhook, where the challenge names it.
    """

    answer: dict[str, Any]
    webhook_id: str | None = None


@dataclass(frozen=True)
class VehicleUpdate:
    """New readings of one car; recorded_at says when the car recorded each, where known."""

    vehicle_id: str
    snapshot: Snapshot
    # The provider's names of what changed, where it says (signal codes, data paths).
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class VehicleProblem:
    """The provider says a car has a problem, or that one it said before is over."""

    vehicle_id: str
    error: ProviderError
    resolved: bool
    features: frozenset[Feature] = frozenset()


@dataclass(frozen=True)
class PushedClearance:
    """A car's data access moved on (High Mobility's fleet clearance): its new state, where the
    delivery says one (lowercase, as the fleet lists it), and why."""

    vin: str
    status: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class PushDelivery:
    """One delivery: readings and problems of one or more cars.

    event_id stays the same when the provider sends the delivery again; test deliveries (sent
    from the provider's dashboard) change nothing.
    """

    event_id: str
    webhook_id: str | None = None
    test: bool = False
    updates: tuple[VehicleUpdate, ...] = field(default=())
    problems: tuple[VehicleProblem, ...] = field(default=())
    clearances: tuple[PushedClearance, ...] = field(default=())
