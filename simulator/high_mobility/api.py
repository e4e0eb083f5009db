"""High Mobility's API (api.high-mobility.com and its sandbox): tokens, fleet clearance, vehicle data."""

import json
from typing import Any
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.faults import EMPTY_VEHICLE_LIST, Fault, injected_reply_middleware
from simulator.high_mobility.cloud import HighMobilityApp
from simulator.high_mobility.data import vehicle_data
from simulator.high_mobility.errors import HighMobilityError
from simulator.high_mobility.fleet import APPROVED, REVOKED
from simulator.latency import latency_middleware
from simulator.oauth import OAuthError
from simulator.state import SimulatorState, state_of
from simulator.vehicle import Vehicle

PROVIDER = "high_mobility"
ENVIRONMENT = web.AppKey("high_mobility_environment", str)
# The paths as faults and stats name them.
TOKEN_PATH = "/v1/access_tokens"
FLEET_PATH = "/v1/fleets/vehicles"
CLEARANCE_PATH = "/v1/fleets/vehicles/{vin}"
DATA_PATH = "/v1/vehicle-data/autoapi-13/{vin}"
SCOPE = "fleet:clearance vehicle:eligibility-check vehicle:data"
REQUEST_ID = web.RequestKey("high_mobility_request_id", str)


def _app(request: web.Request, state: SimulatorState) -> HighMobilityApp:
    return state.high_mobility.environments[request.config_dict[ENVIRONMENT]]


@web.middleware
async def high_mobility_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request; answer errors as `{errors: [...]}` (the token endpoint's as OAuth's)."""
    state_of(request).stats.count_request(PROVIDER)
    try:
        return await handler(request)
    except HighMobilityError as error:
        return error.response(request.get(REQUEST_ID))
    except OAuthError as error:
        body = {"error": error.error, "error_description": error.description}
        return web.json_response(body, status=error.status)


async def _injected_fault(state: SimulatorState, vin: str | None, path: str) -> Fault | None:
    """Raise a matching fault's error; an EMPTY_VEHICLE_LIST is returned (the fleet lists none)."""
    fault = await state.faults.trigger(PROVIDER, vin, path)
    if fault is not None and fault.type == EMPTY_VEHICLE_LIST:
        return fault
    if fault is not None:
        code = "FLEET" if fault.type == "TOO_MANY_REQUESTS" and path != DATA_PATH else fault.code
        raise HighMobilityError(
            fault.type, code, status=fault.status, retry_after=fault.retry_after
        )
    return None


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.read())
    except ValueError:
        return None


async def access_tokens(request: web.Request) -> web.Response:
    """`POST /v1/access_tokens`: a token for the application's client credentials (JSON body)."""
    state = state_of(request)
    fault = await state.faults.trigger(PROVIDER, None, TOKEN_PATH)
    if fault is not None:
        if fault.status >= 500 or fault.status == 429:
            raise HighMobilityError(
                fault.type, fault.code, status=fault.status, retry_after=fault.retry_after
            )
        raise OAuthError("invalid_request", f"Simulated {fault.type}:{fault.code}.", fault.status)
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise OAuthError("invalid_request", "The body must be a JSON object.")
    fields = ("client_id", "client_secret", "grant_type")
    blank = [name for name in fields if not isinstance(body.get(name), str) or not body[name]]
    if blank:
        raise OAuthError("invalid_request", ", ".join(f"{name} can't be blank" for name in blank))
    config = state.config
    if body["grant_type"] != "client_credentials":
        raise OAuthError("invalid_request", "grant_type is invalid")
    if body["client_id"] != config.high_mobility_client_id:
        raise OAuthError("invalid_request", "client_id is invalid")
    if body["client_secret"] != config.high_mobility_client_secret:
        raise OAuthError("invalid_request", "client_secret is invalid")
    token, ttl = _app(request, state).issue_token(state.clock.now())
    return web.json_response(
        {"access_token": token, "expires_in": ttl, "scope": SCOPE, "token_type": "bearer"}
    )


def _authorize(request: web.Request, state: SimulatorState, *, fleet: bool) -> HighMobilityApp:
    """Check the bearer token; a fleet clearance request spends one of the application's minute.

    High Mobility documents its limit of 60 calls a minute for the clearance reads; vehicle data
    has no documented limit of its own (a car's maker may still answer a property with
    rate_limit, or the control API inject a 429).
    """
    app, now = _app(request, state), state.clock.now()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HighMobilityError("NOT_AUTHORIZED", "MISSING_HEADER")
    if not app.token_valid(token, now):
        raise HighMobilityError("NOT_AUTHORIZED")
    if fleet and (wait := app.window.take(now)) is not None:
        raise HighMobilityError("TOO_MANY_REQUESTS", "FLEET", retry_after=wait)
    return app


async def fleet_vehicles(request: web.Request) -> web.Response:
    """`GET /v1/fleets/vehicles` (every clearance), `POST` (add cars by VIN and brand)."""
    state = state_of(request)
    app, now = _authorize(request, state, fleet=True), state.clock.now()
    empty = await _injected_fault(state, None, FLEET_PATH)
    if request.method == "GET":
        return web.json_response([] if empty else [c.to_json() for c in app.fleet.all(now)])
    body = await _json_body(request)
    items = body.get("vehicles") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise HighMobilityError("INVALID_INPUT")
    outcomes = state.high_mobility.outcomes
    answers = [app.fleet.add(item, now, outcomes.get(str(item.get("vin")))) for item in items]
    return web.json_response({"vehicles": answers})


async def clearance(request: web.Request) -> web.Response:
    """`GET /v1/fleets/vehicles/{vin}` (one clearance), `DELETE` (revoke or cancel it)."""
    state, vin = state_of(request), request.match_info["vin"]
    app, now = _authorize(request, state, fleet=True), state.clock.now()
    await _injected_fault(state, vin, CLEARANCE_PATH)
    if request.method == "DELETE":
        removed = app.fleet.remove(vin, now)
        return web.json_response({"vin": vin, "status": removed.status, "tags": dict(removed.tags)})
    found = app.fleet.get(vin, now)
    if found is None:
        raise HighMobilityError("NOT_FOUND", "CLEARANCE")
    return web.json_response(found.to_json())


def _car(state: SimulatorState, vin: str) -> Vehicle | None:
    car = state.vehicles.get(vin)
    return car if car is not None and car.provider == PROVIDER else None


async def data(request: web.Request) -> web.Response:
    """`GET /v1/vehicle-data/autoapi-13/{vin}`: every property the car reports, if it is cleared."""
    request[REQUEST_ID] = uuid.uuid4().hex
    state, vin = state_of(request), request.match_info["vin"]
    app, now = _authorize(request, state, fleet=False), state.clock.now()
    car = _car(state, vin)
    if car is not None:
        state.stats.count_vehicle_request(car.id)
        state.stats.count_call(car.id, DATA_PATH)
    await _injected_fault(state, vin, DATA_PATH)
    cleared = app.fleet.get(vin, now)
    if cleared is None or cleared.status != APPROVED:
        if cleared is not None and cleared.status == REVOKED:
            raise HighMobilityError("NOT_AUTHORIZED", "CONSENT_REMOVED")
        raise HighMobilityError("FORBIDDEN", "NO_CONSENT")
    if car is None:
        raise HighMobilityError("PENDING")
    car.advance(now)
    if car.state.asleep:
        raise HighMobilityError("REQUEST_TIMEOUT")
    body = vehicle_data(car, state.high_mobility.failures)
    return web.json_response({"request_id": request[REQUEST_ID], **body})


async def not_found(request: web.Request) -> web.Response:
    """Any other path or method."""
    raise HighMobilityError("NOT_FOUND")


def create_high_mobility_app(environment: str) -> web.Application:
    """Build the API sub-application of one environment (mounted at its path prefix)."""
    app = web.Application(
        middlewares=[latency_middleware, high_mobility_middleware, injected_reply_middleware]
    )
    app[ENVIRONMENT] = environment
    app.router.add_post(TOKEN_PATH, access_tokens)
    app.router.add_route("GET", FLEET_PATH, fleet_vehicles)
    app.router.add_route("POST", FLEET_PATH, fleet_vehicles)
    app.router.add_route("GET", CLEARANCE_PATH, clearance)
    app.router.add_route("DELETE", CLEARANCE_PATH, clearance)
    app.router.add_get(DATA_PATH, data, allow_head=False)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
