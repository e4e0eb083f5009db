"""High Mobility's webhook deliveries: `fleet_clearance_changed` and `ping`.

Each delivery is signed: `X-HM-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the webhook secret>`, checked in constant time before the body is parsed (the deprecated
SHA-1 `X-HM-Signature` is ignored). `X-HM-Event` names the event and `X-HM-Delivery` is the
delivery's unique identifier, which we take as its event id. High Mobility's webhook docs say a
clearance change carries the new state in `event.action` and any further details (such as why
a car was rejected) in `event.detail`; the VIN's place, `vehicle.vin`, is where a public fleet
receiver reads it. The ping's body is not documented: without `X-HM-Event`, a body with a VIN
and an action is a clearance change and anything else signed is a ping. A clearance change
whose action names no known state still says that the car's clearance moved on.
"""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
import hmac
import json
from typing import Any

from .push import MalformedDeliveryError, PushDelivery, PushedClearance, SignatureError

SIGNATURE_HEADER = "X-HM-Signature-256"
EVENT_HEADER = "X-HM-Event"
DELIVERY_HEADER = "X-HM-Delivery"
CLEARANCE_CHANGED = "fleet_clearance_changed"
PING = "ping"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def read_delivery(secret: str, body: bytes, headers: Mapping[str, str]) -> PushDelivery:
    """What a signed delivery says; SignatureError when it is not signed with secret."""
    signature = headers.get(SIGNATURE_HEADER)
    if (
        not secret
        or signature is None
        or not hmac.compare_digest(signature.encode(), sign(secret, body).encode())
    ):
        raise SignatureError
    try:
        message = json.loads(body)
    except ValueError as err:
        raise MalformedDeliveryError from err
    if not isinstance(message, dict):
        raise MalformedDeliveryError
    event = _object(message.get("event"))
    vin = _object(message.get("vehicle")).get("vin")
    name = headers.get(EVENT_HEADER) or (
        CLEARANCE_CHANGED if isinstance(vin, str) and "action" in event else PING
    )
    event_id = headers.get(DELIVERY_HEADER) or hashlib.sha256(body).hexdigest()
    if name == PING:
        return PushDelivery(event_id=event_id)
    if name != CLEARANCE_CHANGED or not isinstance(vin, str) or not vin:
        raise MalformedDeliveryError
    action = event.get("action")
    return PushDelivery(
        event_id=event_id,
        clearances=(
            PushedClearance(
                vin,
                action.lower() if isinstance(action, str) and action else None,
                _reason(event.get("detail")),
            ),
        ),
    )


def _reason(detail: Any) -> str | None:
    """The reason a detail gives: the detail itself, or an object's reason or description."""
    if isinstance(detail, dict):
        detail = detail.get("reason") or detail.get("description")
    return detail if isinstance(detail, str) and detail else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
