"""Volvo Cars APIs (api.volvocars.com): Connected Vehicle v2, Energy v2 and Location v1."""

from collections.abc import Callable
from dataclasses import dataclass
import json
from typing import Any
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.faults import EMPTY_VEHICLE_LIST, VEHICLE_LIST, Fault, injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.state import SimulatorState, state_of
from simulator.vehicle import Vehicle
from simulator.volvo import resources
from simulator.volvo.accounts import VolvoGrant
from simulator.volvo.commands import invoke, runtime_minutes
from simulator.volvo.errors import VolvoApiError
from simulator.volvo.garage import COMMANDS

PROVIDER = "volvo"
CONNECTED = "connected-vehicle/v2"
ENERGY = "energy/v2"
LOCATION = "location/v1"
OPERATION_ID = "vcc-api-operationId"
# Media types a client may accept: JSON, or anything.
ACCEPTABLE = ("*/*", "application/*", "application/json")


@dataclass(frozen=True)
class Endpoint:
    """One vehicle endpoint: its API, method, the scopes it needs and how it answers."""

    api: str
    method: str
    scopes: tuple[str, ...]
    read: Callable[[Vehicle, float], Any] | None = None
    # Connected Vehicle and Location answers are wrapped in `{"data": ...}`, Energy's are not.
    wrapped: bool = True


def _get(read: Callable[[Vehicle, float], Any], *scopes: str, api: str = CONNECTED) -> Endpoint:
    return Endpoint(api, "GET", scopes, read, wrapped=api != ENERGY)


_COMMAND_SCOPES = {
    "lock": "conve:lock",
    "lock-reduced-guard": "conve:lock",
    "unlock": "conve:unlock",
    "honk": "conve:honk_flash",
    "flash": "conve:honk_flash",
    "honk-flash": "conve:honk_flash",
    "engine-start": "conve:engine_start_stop",
    "engine-stop": "conve:engine_start_stop",
    "climatization-start": "conve:climatization_start_stop",
    "climatization-stop": "conve:climatization_start_stop",
}
# Keyed by the vehicle-relative name used for capabilities, faults and stats.
ENDPOINTS: dict[str, Endpoint] = {
    "/": _get(resources.details, "conve:vehicle_relation"),
    "/doors": _get(resources.doors, "conve:doors_status", "conve:lock_status"),
    "/windows": _get(resources.windows, "conve:windows_status"),
    "/odometer": _get(resources.odometer, "conve:odometer_status"),
    "/fuel": _get(resources.fuel, "conve:fuel_status", "conve:battery_charge_level"),
    "/tyres": _get(resources.tyres, "conve:tyre_status"),
    "/engine-status": _get(resources.engine_status, "conve:engine_status"),
    "/engine": _get(resources.engine, "conve:diagnostics_engine_status"),
    "/diagnostics": _get(resources.diagnostics, "conve:diagnostics_workshop"),
    "/warnings": _get(resources.warnings, "conve:warnings"),
    "/brakes": _get(resources.brakes, "conve:brake_status"),
    "/statistics": _get(resources.statistics, "conve:trip_statistics"),
    "/commands": _get(resources.commands, "conve:commands"),
    "/command-accessibility": _get(resources.command_accessibility, "conve:command_accessibility"),
    "/energy/state": _get(resources.energy_state, "energy:state:read", api=ENERGY),
    "/energy/capabilities": _get(
        resources.energy_capabilities, "energy:capability:read", api=ENERGY
    ),
    "/location": _get(resources.location, "location:read", api=LOCATION),
    **{
        f"/commands/{name}": Endpoint(CONNECTED, "POST", (_COMMAND_SCOPES[name],))
        for name in COMMANDS
    },
}


def _gate(request: web.Request, state: SimulatorState) -> None:
    """Check the VCC API key, spend one request of the daily quota, check `Accept`."""
    if request.headers.get("vcc-api-key") != state.config.volvo_api_key:
        raise VolvoApiError("UNAUTHORIZED", "API_KEY")
    now = state.clock.now()
    quota = state.volvo.quota
    if not quota.take(now):
        raise VolvoApiError("FORBIDDEN", "QUOTA", replenished_in=quota.replenished_in(now))
    accepted = [
        part.split(";")[0].strip() for part in request.headers.get("Accept", "*/*").split(",")
    ]
    if not any(media in ACCEPTABLE or media.endswith("+json") for media in accepted):
        raise VolvoApiError("NOT_ACCEPTABLE")


@web.middleware
async def volvo_api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request, pass the gateway checks, answer errors as `{"error": {...}}`."""
    state = state_of(request)
    state.stats.count_request(PROVIDER)
    operation_id = request.headers.get(OPERATION_ID) or str(uuid.uuid4())
    try:
        _gate(request, state)
        response = await handler(request)
    except VolvoApiError as error:
        response = error.response()
    response.headers[OPERATION_ID] = operation_id
    return response


def _grant(request: web.Request, state: SimulatorState) -> VolvoGrant:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    grant = state.volvo.accounts.grant_for(token) if scheme.lower() == "bearer" else None
    if grant is None:
        raise VolvoApiError("UNAUTHORIZED")
    return grant


def _check_scopes(grant: VolvoGrant, scopes: tuple[str, ...]) -> None:
    missing = [scope for scope in scopes if scope not in grant.scopes]
    if missing:
        raise VolvoApiError("FORBIDDEN", "SCOPE", scope=" ".join(missing))


async def _injected_fault(
    state: SimulatorState, vehicle_id: str | None, name: str, scopes: tuple[str, ...]
) -> Fault | None:
    """Apply a matching fault: raise its error, or return an EMPTY_VEHICLE_LIST for the list."""
    fault = await state.faults.trigger(PROVIDER, vehicle_id, name)
    if fault is None or fault.type == EMPTY_VEHICLE_LIST:
        return fault
    raise VolvoApiError(
        fault.type,
        fault.code,
        status=fault.status,
        retry_after=fault.retry_after,
        scope=" ".join(scopes),
        replenished_in=state.volvo.quota.replenished_in(state.clock.now()),
    )


async def _body(request: web.Request) -> Any:
    """Return a command's JSON body, or None when empty (the library sends none)."""
    raw = await request.read()
    if not raw.strip():
        return None
    if request.content_type != "application/json":
        raise VolvoApiError("UNSUPPORTED_MEDIA_TYPE")
    try:
        return json.loads(raw)
    except ValueError as error:
        raise VolvoApiError("BAD_REQUEST") from error


def _method_not_allowed(allowed: str) -> VolvoApiError:
    return VolvoApiError("METHOD_NOT_ALLOWED", headers={"Allow": allowed})


async def list_vehicles(request: web.Request) -> web.Response:
    """`GET /connected-vehicle/v2/vehicles`: the VINs on the account."""
    if request.method != "GET":
        raise _method_not_allowed("GET")
    state = state_of(request)
    grant = _grant(request, state)
    scopes = ("conve:vehicle_relation",)
    emptied = await _injected_fault(state, None, VEHICLE_LIST, scopes) is not None
    _check_scopes(grant, scopes)
    vins = [] if emptied else [vin for vin in grant.vins if _car(state, vin) is not None]
    return web.json_response({"data": [{"vin": vin} for vin in vins]})


def _car(state: SimulatorState, vin: str) -> Vehicle | None:
    car = state.vehicles.get(vin)
    return car if car is not None and car.provider == PROVIDER else None


def _endpoint_name(api: str, tail: str) -> str:
    if api == ENERGY:
        return f"/energy{tail}"
    return tail or "/"


async def vehicle_request(request: web.Request) -> web.Response:
    """`/{api}/vehicles/{vin}/...`: authorize, find the car, then read or run a command."""
    state = state_of(request)
    api, vin = request.match_info["api"], request.match_info["vin"]
    name = _endpoint_name(api, request.match_info["tail"])
    endpoint = ENDPOINTS.get(name)
    if endpoint is None or endpoint.api != api:
        raise VolvoApiError("NOT_FOUND")
    if request.method != endpoint.method:
        raise _method_not_allowed(endpoint.method)
    grant = _grant(request, state)
    vehicle = _car(state, vin) if vin in grant.vins else None
    if vehicle is None:
        raise VolvoApiError("NOT_FOUND", "VEHICLE")
    state.stats.count_vehicle_request(vehicle.id)
    state.stats.count_call(vehicle.id, name)
    await _injected_fault(state, vehicle.id, name, endpoint.scopes)
    _check_scopes(grant, endpoint.scopes)
    if f"{endpoint.method} {name}" not in vehicle.capabilities:
        raise VolvoApiError("NOT_FOUND", "RESOURCE" if endpoint.read else "COMMAND")
    now = state.clock.now()
    vehicle.advance(now)
    if endpoint.read is None:
        command = name.removeprefix("/commands/")
        minutes = runtime_minutes(command, await _body(request))
        forced = state.volvo.forced_statuses.take(vehicle.id, command)
        result = invoke(vehicle, command, minutes, now, forced)
    else:
        result = endpoint.read(vehicle, now)
    return web.json_response({"data": result} if endpoint.wrapped else result)


async def not_found(request: web.Request) -> web.Response:
    """Any other path."""
    raise VolvoApiError("NOT_FOUND")


def create_volvo_api_app() -> web.Application:
    """Build the API sub-application (mounted at `/volvo/api`)."""
    app = web.Application(
        middlewares=[latency_middleware, volvo_api_middleware, injected_reply_middleware]
    )
    app.router.add_route("*", f"/{CONNECTED}/vehicles", list_vehicles)
    app.router.add_route(
        "*",
        f"/{{api:{CONNECTED}|{ENERGY}|{LOCATION}}}/vehicles/{{vin:[^/]+}}{{tail:(/.*)?}}",
        vehicle_request,
    )
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
