"""High Mobility's webhook deliveries: `fleet_clearance_changed` and `ping`.

Each delivery is signed: `X-HM-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the webhook secret>`, checked in constant time before the body is parsed. `X-HM-Event` names
the event and `X-HM-Delivery` the delivery. The body, `{vehicle: {vin}, event: {action, detail?}}`,
is unconfirmed (see the providers reference): a clearance change whose detail names no known
state still says that the car's clearance moved on.
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
    name = headers.get(EVENT_HEADER) or event.get("action")
    event_id = headers.get(DELIVERY_HEADER) or hashlib.sha256(body).hexdigest()
    if name == PING:
        return PushDelivery(event_id=event_id)
    if name != CLEARANCE_CHANGED:
        raise MalformedDeliveryError
    vin = _object(message.get("vehicle")).get("vin")
    if not isinstance(vin, str) or not vin:
        raise MalformedDeliveryError
    detail = event.get("detail")
    status, reason = (detail, None) if isinstance(detail, str) else _status(_object(detail))
    return PushDelivery(
        event_id=event_id,
        clearances=(PushedClearance(vin, status.lower() if status else None, reason),),
    )


def _status(detail: dict[str, Any]) -> tuple[str | None, str | None]:
    status, reason = detail.get("status"), detail.get("reason")
    return (
        status if isinstance(status, str) else None,
        reason if isinstance(reason, str) else None,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
