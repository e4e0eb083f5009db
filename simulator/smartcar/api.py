"""Smartcar Vehicle API v2.0 (api.smartcar.com): access checks, routing, batch and headers."""

from dataclasses import replace
import json
from typing import Any
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from simulator.clock import isoformat
from simulator.faults import EMPTY_VEHICLE_LIST, VEHICLE_LIST, Fault, injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.smartcar.accounts import Grant
from simulator.smartcar.endpoints import ENDPOINTS, Call, Endpoint, invalid, page
from simulator.smartcar.errors import SmartcarApiError
from simulator.smartcar.units import UnitSystem
from simulator.state import SimulatorState, state_of
from simulator.vehicle import VehicleRefusedError

VERSION = "v2.0"
PROVIDER = "smartcar"
REQUEST_ID = web.RequestKey("smartcar_request_id", str)
# A car the token does not cover (or that does not exist) is a permission problem.
NO_ACCESS = ("PERMISSION", None)


@web.middleware
async def smartcar_api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request, give it an id and answer Smartcar errors in the v2.0 format."""
    state = state_of(request)
    state.stats.count_request(PROVIDER)
    request_id = str(uuid.uuid4())
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except SmartcarApiError as error:
        vehicle_id = request.match_info.get("vehicle_id", "")
        response = error.response(request_id, state.config.client_id, vehicle_id)
    response.headers["SC-Request-Id"] = request_id
    return response


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else ""


def _grant(request: web.Request, state: SimulatorState) -> Grant:
    grant = state.smartcar.grant_for(_bearer(request))
    if grant is None:
        raise SmartcarApiError("AUTHENTICATION")
    return grant


def _units(request: web.Request) -> UnitSystem:
    try:
        return UnitSystem(request.headers.get("SC-Unit-System", "metric").lower())
    except ValueError as error:
        raise invalid("SC-Unit-System must be metric or imperial.") from error


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError as error:
        raise SmartcarApiError("VALIDATION", detail="The body is not valid JSON.") from error


async def _injected_fault(state: SimulatorState, vehicle_id: str | None, path: str) -> Fault | None:
    """Apply a matching fault: raise its error, or return an EMPTY_VEHICLE_LIST for the list."""
    fault = await state.faults.trigger(PROVIDER, vehicle_id, path)
    if fault is None or fault.type == EMPTY_VEHICLE_LIST:
        return fault
    raise SmartcarApiError(
        fault.type, fault.code, status=fault.status, retry_after=fault.retry_after
    )


def resolve(method: str, path: str) -> tuple[Endpoint, str]:
    """Return the endpoint of a vehicle-relative path and its `{webhookId}`, if any."""
    endpoint = ROUTES.get(f"{method} {path}")
    if endpoint is not None:
        return endpoint, ""
    parent, _, webhook_id = path.rpartition("/")
    endpoint = ROUTES.get(f"{method} {parent}/{{webhookId}}")
    if endpoint is None or not webhook_id:
        raise SmartcarApiError("RESOURCE_NOT_FOUND", "PATH")
    return endpoint, webhook_id


async def execute(call: Call, endpoint: Endpoint) -> tuple[Any, dict[str, str]]:
    """Run one call: bill, inject faults, check permission, capability and car; answer."""
    vehicle = call.vehicle
    if endpoint.billable:
        call.state.stats.count_call(vehicle.id, call.path)
    await _injected_fault(call.state, vehicle.id, call.path)
    if endpoint.permission and endpoint.permission not in call.permissions:
        raise SmartcarApiError("PERMISSION")
    if endpoint.checks_capability and f"{call.method} {call.path}" not in vehicle.capabilities:
        raise SmartcarApiError("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    try:
        if endpoint.reads_car or endpoint.command:
            vehicle.ensure_awake()
        if endpoint.command and vehicle.virtual_key_required:
            raise SmartcarApiError("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED")
        result = await endpoint.handler(call)
    except VehicleRefusedError as refusal:
        raise SmartcarApiError("VEHICLE_STATE", refusal.reason.value) from refusal
    headers = {"SC-Unit-System": call.units.value}
    if endpoint.reads_car:
        headers["SC-Data-Age"] = isoformat(vehicle.state.updated_at)
        headers["SC-Fetched-At"] = isoformat(call.now)
    return result, headers


async def batch(call: Call) -> Any:
    """`POST /batch {requests: [{path}]}`: run GET paths; failed items carry the error."""
    requests = call.body.get("requests") if isinstance(call.body, dict) else None
    if not (
        isinstance(requests, list)
        and requests
        and all(isinstance(item, dict) and isinstance(item.get("path"), str) for item in requests)
    ):
        raise invalid("requests must be a non-empty list of {path}.")
    return {"responses": [await _batch_item(call, item["path"]) for item in requests]}


async def _batch_item(call: Call, path: str) -> dict[str, Any]:
    url = URL(path)
    code = 200
    try:
        endpoint, param = resolve("GET", url.path)
        item = replace(call, method="GET", path=url.path, query=url.query, body=None, param=param)
        body, headers = await execute(item, endpoint)
    except SmartcarApiError as error:
        code, headers = error.status, error.headers()
        body = error.body(call.request_id, call.state.config.client_id, call.vehicle.id)
    lowered = {name.lower(): value for name, value in headers.items()}
    return {"path": path, "code": code, "headers": lowered, "body": body}


ROUTES = {**ENDPOINTS, "POST /batch": Endpoint(batch, checks_capability=False, billable=False)}


async def list_vehicles(request: web.Request) -> web.Response:
    """`GET /vehicles?limit&offset`: the cars the token covers."""
    state = state_of(request)
    grant = _grant(request, state)
    emptied = await _injected_fault(state, None, VEHICLE_LIST) is not None
    limit, offset = page(request.query, 10)
    ids = [] if emptied else grant.vehicle_ids
    paging = {"count": len(ids), "offset": offset}
    return web.json_response({"vehicles": ids[offset : offset + limit], "paging": paging})


async def get_user(request: web.Request) -> web.Response:
    """`GET /user`: the Smartcar user id behind the token."""
    state = state_of(request)
    grant = _grant(request, state)
    await _injected_fault(state, None, "/user")
    return web.json_response({"id": grant.user_id})


async def vehicle_request(request: web.Request) -> web.Response:
    """`/vehicles/{id}/...`: authorize, then run the endpoint (or a batch of them)."""
    state = state_of(request)
    units = _units(request)
    path = request.match_info["path"] or "/"
    endpoint, param = resolve(request.method, path)
    if endpoint.management:
        if _bearer(request) != state.config.management_token:
            raise SmartcarApiError("AUTHENTICATION")
        permissions = frozenset[str]()
        vehicle_ids = [car.id for car in state.vehicles.values() if car.provider == PROVIDER]
    else:
        grant = _grant(request, state)
        permissions, vehicle_ids = grant.permissions, grant.vehicle_ids
    vehicle_id = request.match_info["vehicle_id"]
    vehicle = state.vehicles.get(vehicle_id) if vehicle_id in vehicle_ids else None
    if vehicle is None:
        raise SmartcarApiError(*NO_ACCESS)
    state.stats.count_vehicle_request(vehicle.id)
    now = state.clock.now()
    vehicle.advance(now)
    call = Call(
        state=state,
        request_id=request[REQUEST_ID],
        vehicle=vehicle,
        permissions=permissions,
        units=units,
        now=now,
        method=request.method,
        path=path,
        query=request.query,
        body=await _body(request),
        param=param,
    )
    result, headers = await execute(call, endpoint)
    return web.json_response(result, headers=headers)


async def not_found(request: web.Request) -> web.Response:
    """Any other path: unknown version or unknown resource."""
    version = request.match_info["tail"].partition("/")[0]
    raise SmartcarApiError("RESOURCE_NOT_FOUND", "PATH" if version == VERSION else "VERSION")


def create_api_app() -> web.Application:
    """Build the API sub-application (mounted at `/smartcar/api`)."""
    app = web.Application(
        middlewares=[latency_middleware, smartcar_api_middleware, injected_reply_middleware]
    )
    app.router.add_get(f"/{VERSION}/vehicles", list_vehicles)
    app.router.add_get(f"/{VERSION}/user", get_user)
    app.router.add_route("*", f"/{VERSION}/vehicles/{{vehicle_id}}{{path:.*}}", vehicle_request)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
