"""Control API under `/_simulator`: inspect and steer the simulation."""

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import fields
from typing import Any, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.clock import isoformat
from simulator.faults import (
    EMPTY_VEHICLE_LIST,
    FAULT_TYPES,
    RAW,
    VEHICLE_LIST,
    Fault,
)
from simulator.high_mobility import control as high_mobility_control
from simulator.high_mobility.errors import CATALOGUE as HIGH_MOBILITY_CATALOGUE
from simulator.smartcar import webhook_control
from simulator.smartcar.errors import CATALOGUE
from simulator.smartcar_v3 import control as smartcar_v3_control
from simulator.smartcar_v3.errors import CATALOGUE as SMARTCAR_V3_CATALOGUE
from simulator.state import state_of
from simulator.stats import Stats
from simulator.validation import (
    BadRequestError,
    expect_choice,
    expect_int,
    expect_number,
    expect_object,
    read_json,
)
from simulator.vehicle import Vehicle
from simulator.vehicle_patch import apply_patch
from simulator.volvo import control as volvo_control
from simulator.volvo.errors import CATALOGUE as VOLVO_CATALOGUE


class _ErrorSpec(Protocol):
    @property
    def status(self) -> int: ...


PROVIDER_ERROR_CATALOGUES: dict[str, Mapping[tuple[str, str | None], _ErrorSpec]] = {
    "smartcar": CATALOGUE,
    "smartcar_v3": SMARTCAR_V3_CATALOGUE,
    "volvo": VOLVO_CATALOGUE,
    "high_mobility": HIGH_MOBILITY_CATALOGUE,
}
PROVIDERS = tuple(PROVIDER_ERROR_CATALOGUES)
# Smartcar's v3 API serves the same cars as its v2 API.
CAR_PROVIDERS = {"smartcar_v3": "smartcar"}
# The account's list of cars, where it is not VEHICLE_LIST (High Mobility: the fleet's cars).
FLEET_LISTS = {"high_mobility": "/v1/fleets/vehicles"}
FAULT_KEYS = [field.name for field in fields(Fault)]
# Any Retry-After a client must survive, a year and far beyond.
MAX_RETRY_AFTER = 10**12


@web.middleware
async def bad_request_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer invalid input with 400 `{error}`."""
    try:
        return await handler(request)
    except BadRequestError as error:
        return web.json_response({"error": str(error)}, status=400)


def _provider_filter(request: web.Request) -> str | None:
    """Return the `?provider=` a listing is narrowed to, if any."""
    provider = request.query.get("provider")
    return None if provider is None else expect_choice(provider, "provider", PROVIDERS)


def _cars(request: web.Request) -> list[Vehicle]:
    provider = _provider_filter(request)
    cars = state_of(request).vehicles_now()
    car_provider = CAR_PROVIDERS.get(provider, provider) if provider else None
    return [car for car in cars if car_provider in (None, car.provider)]


async def list_vehicles(request: web.Request) -> web.Response:
    """`GET /vehicles?provider`: every car (or one provider's) with its full state."""
    return web.json_response([car.to_json() for car in _cars(request)])


async def patch_vehicle(request: web.Request) -> web.Response:
    """`PATCH /vehicles/{id}`: merge state changes, answer the new state."""
    state = state_of(request)
    vehicle = state.vehicles.get(request.match_info["vehicle_id"])
    if vehicle is None:
        return web.json_response({"error": "unknown vehicle"}, status=404)
    apply_patch(vehicle, await read_json(request), state.clock.now())
    return web.json_response(vehicle.state.to_json())


async def add_error(request: web.Request) -> web.Response:
    """`POST /errors`: inject a provider error, a hang (TIMEOUT), broken JSON (MALFORMED), any
    answer at all (RAW), a lost answer (LOST) or an empty vehicle list (EMPTY_VEHICLE_LIST)."""
    state = state_of(request)
    body = expect_object(await read_json(request), "error", FAULT_KEYS)
    provider = expect_choice(body.get("provider"), "provider", PROVIDER_ERROR_CATALOGUES)
    fault_type, code = body.get("type"), body.get("code")
    if not isinstance(fault_type, str) or not isinstance(code, str | None):
        raise BadRequestError("type must be a string and code a string or null")
    spec = PROVIDER_ERROR_CATALOGUES[provider].get((fault_type, code))
    if spec is None and fault_type not in FAULT_TYPES:
        raise BadRequestError(f"unknown {provider} error {fault_type}:{code}")
    vehicle_id, path = body.get("vehicle_id"), body.get("path")
    if vehicle_id is not None and vehicle_id not in state.vehicles:
        raise BadRequestError("unknown vehicle_id")
    if vehicle_id is not None and state.vehicles[vehicle_id].provider != CAR_PROVIDERS.get(
        provider, provider
    ):
        raise BadRequestError(f"vehicle_id is not a {provider} car")
    if path is not None and not (isinstance(path, str) and path.startswith("/")):
        raise BadRequestError("path must start with /")
    if fault_type == EMPTY_VEHICLE_LIST:
        listing = FLEET_LISTS.get(provider, VEHICLE_LIST)
        if path not in (None, listing) or vehicle_id is not None:
            raise BadRequestError(f"{EMPTY_VEHICLE_LIST} takes no vehicle_id and no other path")
        path = listing
    status = _optional_int(body, "status", 100, 599) or (spec.status if spec else 200)
    if fault_type == RAW and status < 200:
        raise BadRequestError(f"a {RAW} answer is final: status from 200 to 599")
    fault = Fault(
        provider=provider,
        type=fault_type,
        code=code,
        status=status,
        vehicle_id=vehicle_id,
        path=path,
        times=_optional_int(body, "times", 1, 1_000_000),
        retry_after=_optional_int(body, "retry_after", 0, MAX_RETRY_AFTER),
        delay=None if body.get("delay") is None else expect_number(body["delay"], "delay", 0, 3600),
        **_raw_answer(body, fault_type),
    )
    state.faults.add(fault)
    return web.json_response(fault.to_json(), status=201)


def _raw_answer(body: dict[str, Any], fault_type: str) -> dict[str, str | None]:
    """A RAW fault's content type and body (text or base64, not both); other faults take none."""
    raw = {key: body.get(key) for key in ("content_type", "body", "body_base64")}
    if fault_type != RAW:
        if any(value is not None for value in raw.values()):
            raise BadRequestError(f"content_type, body and body_base64 are for {RAW} faults")
        return raw
    if not all(isinstance(value, str | None) for value in raw.values()):
        raise BadRequestError("content_type, body and body_base64 must be strings")
    content_type, text, encoded = raw["content_type"], raw["body"], raw["body_base64"]
    if content_type is not None and any(char in content_type for char in "\r\n"):
        raise BadRequestError("content_type must be one line")
    if text is not None and encoded is not None:
        raise BadRequestError("give body or body_base64, not both")
    if encoded is not None:
        try:
            base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise BadRequestError("body_base64 must be base64") from error
    return raw


def _optional_int(body: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = body.get(key)
    return None if value is None else expect_int(value, key, low, high)


async def clear_errors(request: web.Request) -> web.Response:
    """`DELETE /errors`: drop every injected fault and release hanging requests."""
    state_of(request).faults.clear()
    return web.json_response({"status": "cleared"})


async def get_stats(request: web.Request) -> web.Response:
    """`GET /stats?provider`: requests and billable calls per car, plus totals."""
    provider = _provider_filter(request)
    ids = [car.id for car in _cars(request)]
    return web.json_response(state_of(request).stats.to_json(ids, provider))


async def reset_stats(request: web.Request) -> web.Response:
    """`DELETE /stats`: count from zero."""
    state_of(request).stats = Stats()
    return web.json_response({"status": "cleared"})


async def set_latency(request: web.Request) -> web.Response:
    """`POST /latency {ms}`: delay every provider response."""
    body = expect_object(await read_json(request), "latency", ("ms",))
    ms = expect_number(body.get("ms"), "ms", 0, 60_000)
    state_of(request).latency_ms = ms
    return web.json_response({"ms": ms})


async def move_clock(request: web.Request) -> web.Response:
    """`POST /clock {advance}`: move simulated time forward by some seconds."""
    state = state_of(request)
    body = expect_object(await read_json(request), "clock", ("advance",))
    state.clock.advance(expect_number(body.get("advance"), "advance", 0, 10 * 365 * 86400))
    return web.json_response({"now": isoformat(state.clock.now()), "offset": state.clock.offset})


async def reset(request: web.Request) -> web.Response:
    """`POST /reset`: back to the default garage, tokens, faults, counters and clock."""
    state_of(request).reset()
    return web.json_response({"status": "reset"})


ROUTES: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
    ("GET", "/vehicles", list_vehicles),
    ("PATCH", "/vehicles/{vehicle_id}", patch_vehicle),
    ("POST", "/errors", add_error),
    ("DELETE", "/errors", clear_errors),
    ("GET", "/stats", get_stats),
    ("DELETE", "/stats", reset_stats),
    ("POST", "/latency", set_latency),
    ("POST", "/clock", move_clock),
    ("POST", "/reset", reset),
    *volvo_control.ROUTES,
    *high_mobility_control.ROUTES,
    *smartcar_v3_control.ROUTES,
    *webhook_control.ROUTES,
]


def create_control_app() -> web.Application:
    """Build the control sub-application (mounted at `/_simulator`)."""
    app = web.Application(middlewares=[bad_request_middleware])
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    return app
