"""Smartcar Management API v3 (management.api.smartcar.com/v3): webhook subscriptions.

Only `POST /subscriptions` is simulated: subscribing a car fills its signal store again (a car
the control API marked unsubscribed answers an empty signal list until then).
"""

import json
from typing import Any

from aiohttp import web

from simulator.faults import injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.smartcar_v3.api import VERSION, authorize, injected_fault, smartcar_v3_middleware
from simulator.smartcar_v3.errors import SmartcarV3Error
from simulator.state import state_of

SUBSCRIPTIONS = "/subscriptions"
# The reference names a 409 for an existing subscription but not its body: v3's error shape.
ALREADY_SUBSCRIBED = {
    "type": "CONFLICT",
    "code": "SUBSCRIPTION_EXISTS",
    "title": "Subscription Exists",
    "detail": "The vehicle is already subscribed to this webhook.",
    "status": "409",
}


def _attribute(attributes: dict[str, Any], name: str) -> str:
    value = attributes.get(name)
    if not isinstance(value, str) or not value:
        raise SmartcarV3Error("VALIDATION", "PARAMETER", detail=f"{name} is required.")
    return value


async def subscribe(request: web.Request) -> web.Response:
    """`POST /subscriptions {data: {attributes: {webhookId, userId, vehicleId}}}`."""
    state = state_of(request)
    authorize(request, state)
    await injected_fault(state, None, SUBSCRIPTIONS)
    try:
        body = json.loads(await request.read())
    except ValueError as error:
        raise SmartcarV3Error("VALIDATION", "PARAMETER", detail="The body is not JSON.") from error
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise SmartcarV3Error("VALIDATION", "PARAMETER", detail="data.attributes is required.")
    _attribute(attributes, "webhookId")
    user_id, vehicle_id = _attribute(attributes, "userId"), _attribute(attributes, "vehicleId")
    if state.smartcar_v3.connection(user_id, vehicle_id) is None:
        raise SmartcarV3Error("PERMISSION")
    unsubscribed = state.smartcar_v3.settings.unsubscribed
    if vehicle_id not in unsubscribed:
        return web.json_response(ALREADY_SUBSCRIBED, status=409)
    unsubscribed.discard(vehicle_id)
    return web.json_response({"meta": {"message": "subscription creation in progress"}}, status=202)


async def not_found(request: web.Request) -> web.Response:
    """Any other path."""
    raise SmartcarV3Error("RESOURCE_NOT_FOUND", "PATH")


def create_management_app() -> web.Application:
    """Build the Management API v3 sub-application (mounted at `/smartcar/management`)."""
    app = web.Application(
        middlewares=[latency_middleware, smartcar_v3_middleware, injected_reply_middleware]
    )
    app.router.add_post(f"/{VERSION}{SUBSCRIPTIONS}", subscribe)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
