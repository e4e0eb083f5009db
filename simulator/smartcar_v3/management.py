"""Smartcar Management API v3 (management.api.smartcar.com/v3): webhook subscriptions.

`POST /subscriptions` subscribes a car to a webhook of the simulator's Smartcar webhooks (its
changes are delivered from then on) and fills its signal store again (a car the control API
marked unsubscribed answers an empty signal list until then). `GET /subscriptions` lists them
(filters `filter[webhookId]`, `filter[vehicleId]`, `filter[userId]`) and `DELETE
/subscriptions/{id}` ends one. Each item is the subscription resource as Smartcar's "Get
subscription" reference shows it: `{type: "subscription", id, attributes: {vehicle: {make, model,
year, mode, powertrainType}}, meta: {createdAt, updatedAt}, relationships: {webhook, user,
vehicle: {data: {type, id}}}, links: {self}}`; the list wraps them in `data` (JSON:API).
"""

import json
from typing import Any
import uuid

from aiohttp import web

from simulator.clock import isoformat
from simulator.faults import injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.smartcar_v3.api import (
    VERSION,
    authorize,
    injected_fault,
    smartcar_v3_middleware,
    vehicle_resource,
)
from simulator.smartcar_v3.errors import SmartcarV3Error
from simulator.state import SimulatorState, state_of

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
    webhook_id = attributes["webhookId"]
    hub = state.smartcar_webhooks
    unsubscribed = state.smartcar_v3.settings.unsubscribed
    if vehicle_id in hub.subscribed(webhook_id) and vehicle_id not in unsubscribed:
        return web.json_response(ALREADY_SUBSCRIBED, status=409)
    unsubscribed.discard(vehicle_id)
    hub.subscribe(webhook_id, vehicle_id)
    return web.json_response({"meta": {"message": "subscription creation in progress"}}, status=202)


def subscription_id(webhook_id: str, vehicle_id: str) -> str:
    """The id of a car's subscription to a webhook (the same for as long as it exists)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{webhook_id}/{vehicle_id}"))


def _subscriptions(state: SimulatorState) -> dict[str, tuple[str, str]]:
    """Every subscription: id -> (webhook id, car id)."""
    hub = state.smartcar_webhooks
    return {
        subscription_id(webhook_id, vehicle_id): (webhook_id, vehicle_id)
        for webhook_id, cars in hub.subscriptions.items()
        for vehicle_id in cars
    }


async def list_subscriptions(request: web.Request) -> web.Response:
    """`GET /subscriptions?filter[webhookId]=&filter[vehicleId]=&filter[userId]=`."""
    state = state_of(request)
    authorize(request, state)
    await injected_fault(state, None, SUBSCRIPTIONS)
    query = request.query
    user_id = query.get("filter[userId]")
    items = [
        _resource(state, sub_id, webhook_id, vehicle_id)
        for sub_id, (webhook_id, vehicle_id) in sorted(_subscriptions(state).items())
        if query.get("filter[webhookId]", webhook_id) == webhook_id
        and query.get("filter[vehicleId]", vehicle_id) == vehicle_id
        and (user_id is None or state.smartcar_v3.connection(user_id, vehicle_id) is not None)
    ]
    return web.json_response({"data": items, "meta": {"totalCount": len(items)}})


def _resource(
    state: SimulatorState, sub_id: str, webhook_id: str, vehicle_id: str
) -> dict[str, Any]:
    """A subscription as the Management API shows it."""
    car = state.vehicles.get(vehicle_id)
    owner = next(
        (user for user, car_id in state.smartcar_v3.connections if car_id == vehicle_id), None
    )
    now = isoformat(state.clock.now())

    def related(kind: str, related_id: str | None) -> dict[str, Any]:
        return {
            "data": {"type": kind, "id": related_id},
            "links": {"related": f"/{kind}s/{related_id}"},
        }

    vehicle = {"mode": "live"}
    if car is not None:
        attributes = vehicle_resource(car, "", "live")["attributes"]
        vehicle = {
            key: attributes[key] for key in ("make", "model", "year", "mode", "powertrainType")
        }
    return {
        "type": "subscription",
        "id": sub_id,
        "attributes": {"vehicle": vehicle},
        "meta": {"createdAt": now, "updatedAt": now},
        "relationships": {
            "webhook": related("webhook", webhook_id),
            "user": related("user", owner),
            "vehicle": related("vehicle", vehicle_id),
        },
        "links": {"self": f"{SUBSCRIPTIONS}/{sub_id}"},
    }


async def delete_subscription(request: web.Request) -> web.Response:
    """`DELETE /subscriptions/{subscriptionId}`: the car's deliveries to the webhook stop."""
    state = state_of(request)
    authorize(request, state)
    await injected_fault(state, None, SUBSCRIPTIONS)
    found = _subscriptions(state).get(request.match_info["subscription_id"])
    if found is None:
        raise SmartcarV3Error("RESOURCE_NOT_FOUND", "PATH", detail="No such subscription.")
    state.smartcar_webhooks.unsubscribe(*found)
    return web.json_response({"meta": {"message": "subscription deleted"}})


async def not_found(request: web.Request) -> web.Response:
    """Any other path."""
    raise SmartcarV3Error("RESOURCE_NOT_FOUND", "PATH")


def create_management_app() -> web.Application:
    """Build the Management API v3 sub-application (mounted at `/smartcar/management`)."""
    app = web.Application(
        middlewares=[latency_middleware, smartcar_v3_middleware, injected_reply_middleware]
    )
    app.router.add_post(f"/{VERSION}{SUBSCRIPTIONS}", subscribe)
    app.router.add_get(f"/{VERSION}{SUBSCRIPTIONS}", list_subscriptions)
    app.router.add_delete(f"/{VERSION}{SUBSCRIPTIONS}/{{subscription_id}}", delete_subscription)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
