"""Control API for webhooks under `/_simulator/webhooks`: what the provider's dashboard does."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from yarl import URL

from simulator.smartcar.webhooks import ERROR_STATES, MODES, VERSIONS, SmartcarWebhook
from simulator.state import SimulatorState, state_of
from simulator.validation import (
    BadRequestError,
    expect_bool,
    expect_choice,
    expect_int,
    expect_number,
    expect_object,
    read_json,
)
from simulator.webhook_delivery import FAULTS, Webhook, WebhookFault, hubs

WEBHOOK_KEYS = ("provider", "url", "version", "mode", "subscribe_all")
FAULT_KEYS = ("type", "times", "seconds")
ERROR_KEYS = ("vehicle_id", "type", "code", "state", "description", "signals")
MAX_FAULT_DELAY = 86400


def _webhook(request: web.Request) -> Webhook:
    """Any provider's webhook named in the path."""
    webhook_id = request.match_info["webhook_id"]
    for hub in hubs(state_of(request)):
        webhook: Webhook | None = hub.webhooks.get(webhook_id)
        if webhook is not None:
            return webhook
    raise web.HTTPNotFound(text='{"error": "unknown webhook"}', content_type="application/json")


def _smartcar_webhook(request: web.Request, what: str) -> SmartcarWebhook:
    """A Smartcar webhook named in the path: what the request does is Smartcar's alone."""
    webhook = _webhook(request)
    if not isinstance(webhook, SmartcarWebhook):
        raise BadRequestError(f"{what} is for Smartcar webhooks; this one is High Mobility's")
    return webhook


def _url(value: Any) -> str:
    url = URL(value) if isinstance(value, str) else None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise BadRequestError("url must be an http or https URL")
    return str(url)


def _smartcar_car_ids(state: SimulatorState) -> list[str]:
    return [car.id for car in state.vehicles.values() if car.provider == "smartcar"]


async def create_webhook(request: web.Request) -> web.Response:
    """`POST /webhooks {provider, url, version?, mode?, subscribe_all?}`: VERIFY is sent at once."""
    state = state_of(request)
    body = expect_object(await read_json(request), "webhook", WEBHOOK_KEYS)
    provider = expect_choice(body.get("provider"), "provider", ("smartcar", "high_mobility"))
    url = _url(body.get("url"))
    if provider == "high_mobility":
        hm_webhook = state.hm_webhooks.create(url, state)
        answer = {"id": hm_webhook.id, "provider": provider, "secret": hm_webhook.secret}
        return web.json_response(answer, status=201)
    version = expect_choice(body.get("version", "4.0"), "version", VERSIONS)
    mode = expect_choice(body.get("mode", "LIVE"), "mode", MODES)
    subscribe_all = expect_bool(body.get("subscribe_all", True), "subscribe_all")
    hub = state.smartcar_webhooks
    webhook = hub.create(url, version, mode)
    if subscribe_all:
        for vehicle_id in _smartcar_car_ids(state):
            hub.subscribe(webhook.id, vehicle_id)
    answer = {"id": webhook.id, "provider": provider, "secret": webhook.secret}
    return web.json_response(answer, status=201)


async def list_webhooks(request: web.Request) -> web.Response:
    """`GET /webhooks`: every webhook with its subscriptions and delivery attempts."""
    state = state_of(request)
    hub = state.smartcar_webhooks
    return web.json_response(
        [webhook.to_json(hub.subscribed(webhook.id)) for webhook in hub.webhooks.values()]
        + [webhook.to_json() for webhook in state.hm_webhooks.webhooks.values()]
    )


async def delete_webhook(request: web.Request) -> web.Response:
    """`DELETE /webhooks/{id}`."""
    state = state_of(request)
    if state.hm_webhooks.remove(request.match_info["webhook_id"]):
        return web.json_response({"status": "deleted"})
    webhook = _webhook(request)
    state.smartcar_webhooks.delete(webhook.id)
    return web.json_response({"status": "deleted"})


async def verify_webhook(request: web.Request) -> web.Response:
    """`POST /webhooks/{id}/verify`: the dashboard's Verify button sends VERIFY again."""
    webhook = _smartcar_webhook(request, "VERIFY")
    state_of(request).smartcar_webhooks.queue_verify(webhook)
    return web.json_response({"status": "sent"}, status=202)


async def add_fault(request: web.Request) -> web.Response:
    """`POST /webhooks/{id}/faults {type, times?, seconds?}`: the next deliveries go wrong
    (any provider's webhook)."""
    webhook = _webhook(request)
    body = expect_object(await read_json(request), "fault", FAULT_KEYS)
    fault = WebhookFault(
        type=expect_choice(body.get("type"), "type", FAULTS),
        times=expect_int(body.get("times", 1), "times", 1, 1_000_000),
        seconds=expect_number(body.get("seconds", 0), "seconds", 0, MAX_FAULT_DELAY),
    )
    webhook.faults.append(fault)
    return web.json_response(fault.__dict__, status=201)


async def send_vehicle_error(request: web.Request) -> web.Response:
    """`POST /webhooks/{id}/vehicle_errors {vehicle_id, type, code?, state, description?,
    signals?}`: VEHICLE_ERROR for a subscribed car (v4 webhooks)."""
    state = state_of(request)
    webhook = _smartcar_webhook(request, "VEHICLE_ERROR")
    body = expect_object(await read_json(request), "vehicle error", ERROR_KEYS)
    vehicle_id = body.get("vehicle_id")
    if vehicle_id not in state.smartcar_webhooks.subscribed(webhook.id):
        raise BadRequestError("vehicle_id must be a car subscribed to the webhook")
    if webhook.version != "4.0":
        raise BadRequestError("VEHICLE_ERROR is a 4.0 event")
    error_type, code = body.get("type"), body.get("code")
    if not isinstance(error_type, str) or not isinstance(code, str | None):
        raise BadRequestError("type must be a string and code a string or null")
    signals = body.get("signals", [])
    if not isinstance(signals, list) or not all(isinstance(s, str) for s in signals):
        raise BadRequestError("signals must be a list of Group.Name strings")
    error = {
        "type": error_type,
        "code": code,
        "state": expect_choice(body.get("state"), "state", ERROR_STATES),
        "description": str(body.get("description") or f"{error_type}:{code}"),
        "docURL": "https://smartcar.com/docs/errors/api-errors",
        "resolution": {"type": None},
        "suggestedUserMessage": None,
        "signals": signals,
    }
    state.smartcar_webhooks.queue_vehicle_error(webhook, state.vehicles[vehicle_id], error)
    return web.json_response(error, status=202)


ROUTES: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
    ("POST", "/webhooks", create_webhook),
    ("GET", "/webhooks", list_webhooks),
    ("DELETE", "/webhooks/{webhook_id}", delete_webhook),
    ("POST", "/webhooks/{webhook_id}/verify", verify_webhook),
    ("POST", "/webhooks/{webhook_id}/faults", add_fault),
    ("POST", "/webhooks/{webhook_id}/vehicle_errors", send_vehicle_error),
]
