"""Smartcar Vehicle API v3 (vehicle.api.smartcar.com/v3): connections, signals and commands.

Every call takes the application's IAM token; signals and commands also the user (`sc-user-id`)
whose connection covers the car. Cars are the garage's Smartcar cars: the v2 API shows the same.
"""

import asyncio
from collections.abc import Mapping
import json
import math
from typing import Any
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.clock import isoformat
from simulator.faults import injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.smartcar_v3.cloud import CONNECTION_MODES, Connection
from simulator.smartcar_v3.commands import COMMANDS, CommandSpec, execution
from simulator.smartcar_v3.errors import SmartcarV3Error, signal_error
from simulator.smartcar_v3.signals import CODES, SIGNALS, Signal, read_signal
from simulator.state import SimulatorState, state_of
from simulator.vehicle import Vehicle, VehicleRefusedError

VERSION = "v3"
PROVIDER = "smartcar_v3"
REQUEST_ID = web.RequestKey("smartcar_v3_request_id", str)
DEFAULT_CONNECTIONS_PAGE = 10
MAX_PAGE = 100


@web.middleware
async def smartcar_v3_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request, give it an id and answer errors in v3's format."""
    state = state_of(request)
    state.stats.count_request(PROVIDER)
    request_id = str(uuid.uuid4())
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except SmartcarV3Error as error:
        vehicle_id = request.match_info.get("vehicle_id", "")
        response = error.response(request_id, state.config.v3_application_id, vehicle_id)
    if not response.prepared:  # a long command already sent its headers
        response.headers["SC-Request-Id"] = request_id
    return response


def authorize(request: web.Request, state: SimulatorState) -> None:
    """Require a live app token as the bearer."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not state.smartcar_v3.token_valid(token):
        raise SmartcarV3Error("AUTHENTICATION")


async def injected_fault(state: SimulatorState, vehicle_id: str | None, path: str) -> None:
    """Raise the fault injected for this path, if any."""
    fault = await state.faults.trigger(PROVIDER, vehicle_id, path)
    if fault is not None:
        raise SmartcarV3Error(
            fault.type, fault.code, status=fault.status, retry_after=fault.retry_after
        )


def api_root(request: web.Request) -> str:
    """The absolute URL of `/v3` on this host, for links."""
    path = request.path
    return str(request.url.origin()) + path[: path.index(f"/{VERSION}/") + len(VERSION) + 1]


def powertrain(car: Vehicle) -> str:
    """Smartcar's powertrainType of a car."""
    if car.state.battery is not None:
        return "PHEV" if car.state.fuel is not None else "BEV"
    return "ICE"


def vehicle_resource(car: Vehicle, root: str, mode: str) -> dict[str, Any]:
    """The vehicle as a JSON:API resource."""
    return {
        "id": car.id,
        "type": "vehicle",
        "attributes": {
            "make": car.make,
            "model": car.model,
            "year": car.year,
            "powertrainType": powertrain(car),
            "mode": mode,
        },
        "links": {"self": f"{root}/vehicles/{car.id}"},
    }


def _page(query: Mapping[str, str], number_key: str, size_key: str, size: int) -> tuple[int, int]:
    try:
        number, size = int(query.get(number_key, 1)), int(query.get(size_key, size))
    except ValueError as error:
        raise _invalid(f"{number_key} and {size_key} must be integers.") from error
    if number < 1 or not 1 <= size <= MAX_PAGE:
        raise _invalid(f"{number_key} must be at least 1 and {size_key} from 1 to {MAX_PAGE}.")
    return number, size


def _invalid(detail: str) -> SmartcarV3Error:
    return SmartcarV3Error("VALIDATION", "PARAMETER", detail=detail)


def _user(request: web.Request) -> str:
    user_id = request.headers.get("sc-user-id", "")
    if not user_id:
        raise SmartcarV3Error("VALIDATION", "MISSING_PARAMETER", detail="missing userId")
    return user_id


def _connected_car(
    request: web.Request, state: SimulatorState, path: str
) -> tuple[Vehicle, Connection]:
    """Authorize a call to a user's car, count and bill it; the car brought up to now."""
    authorize(request, state)
    user_id = _user(request)
    vehicle_id = request.match_info["vehicle_id"]
    connection = state.smartcar_v3.connection(user_id, vehicle_id)
    car = state.vehicles.get(vehicle_id)
    if connection is None or car is None:
        raise SmartcarV3Error("PERMISSION")
    state.stats.count_vehicle_request(car.id)
    state.stats.count_call(car.id, path)
    car.advance(state.clock.now())
    return car, connection


def _connection_resource(connection: Connection, car: Vehicle, root: str) -> dict[str, Any]:
    vehicle = vehicle_resource(car, root, connection.mode)
    return {
        "id": connection.id,
        "type": "connection",
        "attributes": {
            "permissions": sorted(connection.permissions),
            "vehicle": vehicle["attributes"],
            "user": {"id": connection.user_id},
        },
        "relationships": {
            "vehicle": {
                "data": {"id": car.id, "type": "vehicle"},
                "links": {"related": vehicle["links"]["self"]},
            },
            "user": {"data": {"id": connection.user_id, "type": "user"}},
        },
        "meta": {
            "createdAt": isoformat(connection.created_at),
            "updatedAt": isoformat(connection.updated_at),
        },
        "links": {"self": f"{root}/connections/{connection.id}"},
    }


async def list_connections(request: web.Request) -> web.Response:
    """`GET /connections?filter[...]&page[number]&page[size]`: the application's connections."""
    state = state_of(request)
    authorize(request, state)
    await injected_fault(state, None, "/connections")
    query = request.query
    user_id = query.get("filter[userId]") or request.headers.get("sc-user-id")
    vehicle_id = query.get("filter[vehicleId]")
    mode = query.get("filter[vehicle.mode]", "live")
    if mode not in CONNECTION_MODES:
        raise _invalid(f"filter[vehicle.mode] must be one of {', '.join(CONNECTION_MODES)}.")
    number, size = _page(query, "page[number]", "page[size]", DEFAULT_CONNECTIONS_PAGE)
    matches = sorted(
        (
            c
            for c in state.smartcar_v3.connections.values()
            if user_id in (None, c.user_id)
            and vehicle_id in (None, c.vehicle_id)
            and c.mode == mode
            and c.vehicle_id in state.vehicles
        ),
        key=lambda c: (-c.created_at, c.id),
    )
    last = max(1, math.ceil(len(matches) / size))
    root = api_root(request)

    def link(page: int) -> str:
        return str(request.url.update_query({"page[number]": page, "page[size]": size}))

    page = matches[(number - 1) * size : number * size]
    return web.json_response(
        {
            "data": [_connection_resource(c, state.vehicles[c.vehicle_id], root) for c in page],
            "meta": {
                "pageNumber": number,
                "pageSize": size,
                "totalCount": len(matches),
                "orderBy": "createdAt",
                "orderDirection": "DESC",
            },
            "links": {
                "self": link(number),
                "first": link(1),
                "last": link(last),
                "next": link(number + 1) if number < last else None,
                "prev": link(number - 1) if number > 1 else None,
            },
        }
    )


async def get_vehicle(request: web.Request) -> web.Response:
    """`GET /vehicles/{id}`: make, model, year and powertrain (no `sc-user-id` needed)."""
    state = state_of(request)
    authorize(request, state)
    vehicle_id = request.match_info["vehicle_id"]
    modes = [c.mode for c in state.smartcar_v3.connections.values() if c.vehicle_id == vehicle_id]
    car = state.vehicles.get(vehicle_id)
    if not modes or car is None:
        raise SmartcarV3Error("PERMISSION")
    state.stats.count_vehicle_request(car.id)
    state.stats.count_call(car.id, "/")
    await injected_fault(state, car.id, "/")
    return web.json_response({"data": vehicle_resource(car, api_root(request), modes[0])})


def _timestamp(state: SimulatorState, moment: float) -> str | int:
    match state.smartcar_v3.settings.timestamps:
        case "seconds":
            return int(moment)
        case "milliseconds":
            return int(moment * 1000)
        case _:
            return isoformat(moment)


async def _signal_resource(
    state: SimulatorState, car: Vehicle, connection: Connection, signal: Signal, root: str
) -> dict[str, Any]:
    """One signal as the store holds it; a fault at `/signals/{code}` fails only this signal."""
    fault = await state.faults.trigger(PROVIDER, car.id, f"/signals/{signal.code}")
    injected = None if fault is None else (fault.type, fault.code)
    reading = read_signal(signal, car, connection.permissions, injected)
    status: dict[str, Any] = {"value": "SUCCESS"}
    if reading.error is not None:
        status = {"value": "ERROR", "error": signal_error(*reading.error)}
    attributes: dict[str, Any] = {
        "code": signal.code,
        "name": signal.name,
        "group": signal.group,
        "status": status,
    }
    if reading.body is not None:
        attributes["body"] = reading.body
    now = state.clock.now()
    meta: dict[str, Any] = {"ingestedAt": _timestamp(state, now)}
    if reading.recorded:
        meta["retrievedAt"] = _timestamp(state, now)
        meta["oemUpdatedAt"] = _timestamp(state, car.state.updated_at)
    return {
        "id": signal.code,
        "type": "signal",
        "attributes": attributes,
        "meta": meta,
        "links": {"self": f"{root}/vehicles/{car.id}/signals/{signal.code}"},
    }


async def list_signals(request: web.Request) -> web.Response:
    """`GET /vehicles/{id}/signals?page&pageSize`: every signal in the store for the car."""
    state = state_of(request)
    car, connection = _connected_car(request, state, "/signals")
    await injected_fault(state, car.id, "/signals")
    settings = state.smartcar_v3.settings
    codes = [] if car.id in settings.unsubscribed else CODES
    number, size = _page(request.query, "page", "pageSize", settings.page_size or len(CODES))
    root = api_root(request)
    page = codes[(number - 1) * size : number * size]
    links = {"self": str(request.url)}
    if number * size < len(codes):
        links["next"] = str(request.url.update_query(page=number + 1, pageSize=size))
    data = [await _signal_resource(state, car, connection, SIGNALS[c], root) for c in page]
    return web.json_response(
        {
            "data": data,
            "meta": {"totalCount": len(codes), "pageSize": size, "pageNumber": number},
            "links": links,
            "included": {"vehicle": vehicle_resource(car, root, connection.mode)},
        }
    )


async def get_signal(request: web.Request) -> web.Response:
    """`GET /vehicles/{id}/signals/{code}`: one signal."""
    state = state_of(request)
    code = request.match_info["code"]
    car, connection = _connected_car(request, state, f"/signals/{code}")
    await injected_fault(state, car.id, "/signals")
    signal = SIGNALS.get(code)
    if signal is None or car.id in state.smartcar_v3.settings.unsubscribed:
        raise SmartcarV3Error(
            "RESOURCE_NOT_FOUND",
            "SIGNAL_NOT_FOUND",
            detail=f"Signal with code {code} not found for vehicle with ID {car.id}",
        )
    root = api_root(request)
    return web.json_response(
        {
            "data": await _signal_resource(state, car, connection, signal, root),
            "included": {"vehicle": vehicle_resource(car, root, connection.mode)},
        }
    )


def _run(spec: CommandSpec, car: Vehicle, parameters: dict[str, Any], now: float) -> None:
    """Have the car do the command; its refusals become VEHICLE_STATE errors."""
    try:
        car.ensure_awake()
        if car.virtual_key_required:
            raise SmartcarV3Error("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED")
        spec.run(car, parameters, now)
    except VehicleRefusedError as refusal:
        raise SmartcarV3Error("VEHICLE_STATE", refusal.reason.value) from refusal


async def send_command(request: web.Request) -> web.StreamResponse:
    """`POST /vehicles/{id}/commands/...`: 200 with the outcome, or 202 held open until it."""
    state = state_of(request)
    name = request.match_info["command"]
    spec = COMMANDS.get(name)
    if spec is None:
        raise SmartcarV3Error("RESOURCE_NOT_FOUND", "PATH")
    car, connection = _connected_car(request, state, f"/commands/{name}")
    await injected_fault(state, car.id, f"/commands/{name}")
    if spec.permission not in connection.permissions:
        raise SmartcarV3Error("PERMISSION")
    if spec.capability not in car.capabilities:
        raise SmartcarV3Error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    raw = await request.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError as error:
        raise SmartcarV3Error("VALIDATION", "PARAMETER", detail="The body is not JSON.") from error
    parameters = spec.parse(body)
    settings = state.smartcar_v3.settings
    started = state.clock.now()
    if settings.command_status == 200:
        _run(spec, car, parameters, started)
        return web.json_response(execution(spec, parameters, started, started, "sync"))
    response = web.StreamResponse(
        status=202,
        headers={"Content-Type": "application/json", "SC-Request-Id": request[REQUEST_ID]},
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    await asyncio.sleep(settings.command_delay)
    finished = state.clock.now()
    try:
        _run(spec, car, parameters, finished)
        outcome = execution(spec, parameters, started, finished, "async")
    except SmartcarV3Error as error:  # the body's status says what the 202 could not
        outcome = error.body(request[REQUEST_ID], state.config.v3_application_id, car.id)
    await response.write(json.dumps(outcome).encode())
    await response.write_eof()
    return response


async def not_found(request: web.Request) -> web.Response:
    """Any other path: unknown version or unknown resource."""
    version = request.match_info["tail"].partition("/")[0]
    raise SmartcarV3Error("RESOURCE_NOT_FOUND", "PATH" if version == VERSION else "VERSION")


def create_vehicle_api_app() -> web.Application:
    """Build the Vehicle API v3 sub-application (mounted at `/smartcar/vehicle`)."""
    app = web.Application(
        middlewares=[latency_middleware, smartcar_v3_middleware, injected_reply_middleware]
    )
    app.router.add_get(f"/{VERSION}/connections", list_connections)
    app.router.add_get(f"/{VERSION}/vehicles/{{vehicle_id}}", get_vehicle)
    app.router.add_get(f"/{VERSION}/vehicles/{{vehicle_id}}/signals", list_signals)
    app.router.add_get(f"/{VERSION}/vehicles/{{vehicle_id}}/signals/{{code}}", get_signal)
    app.router.add_post(f"/{VERSION}/vehicles/{{vehicle_id}}/commands/{{command:.+}}", send_command)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
