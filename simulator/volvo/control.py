"""Control API for Volvo under `/_simulator/volvo`: the daily quota and forced invoke statuses."""

from collections.abc import Awaitable, Callable

from aiohttp import web

from simulator.state import state_of
from simulator.validation import (
    BadRequestError,
    expect_choice,
    expect_int,
    expect_object,
    read_json,
)
from simulator.volvo.commands import INVOKE_STATUSES, ForcedStatus
from simulator.volvo.garage import COMMANDS

MAX_QUOTA = 100_000_000


async def get_quota(request: web.Request) -> web.Response:
    """`GET /volvo/quota`: `{limit, used, remaining, resets_at}` of today (simulated UTC day)."""
    state = state_of(request)
    return web.json_response(state.volvo.quota.to_json(state.clock.now()))


async def set_quota(request: web.Request) -> web.Response:
    """`POST /volvo/quota {used?, limit?}`: change today's usage or the daily limit."""
    state = state_of(request)
    body = expect_object(await read_json(request), "quota", ("used", "limit"))
    values = {key: expect_int(value, key, 0, MAX_QUOTA) for key, value in body.items()}
    now = state.clock.now()
    state.volvo.quota.set(now, used=values.get("used"), limit=values.get("limit"))
    return web.json_response(state.volvo.quota.to_json(now))


async def force_invoke_status(request: web.Request) -> web.Response:
    """`POST /volvo/invoke-status {status, vehicle_id?, command?, times?}`: next commands' status."""
    state = state_of(request)
    body = expect_object(
        await read_json(request), "invoke status", ("status", "vehicle_id", "command", "times")
    )
    vehicle_id, command, times = body.get("vehicle_id"), body.get("command"), body.get("times", 1)
    car = state.vehicles.get(vehicle_id) if isinstance(vehicle_id, str) else None
    if vehicle_id is not None and (car is None or car.provider != "volvo"):
        raise BadRequestError("vehicle_id must be a Volvo car's id (its VIN)")
    forced = ForcedStatus(
        status=expect_choice(body.get("status"), "status", INVOKE_STATUSES),
        vehicle_id=vehicle_id,
        command=None if command is None else expect_choice(command, "command", COMMANDS),
        times=None if times is None else expect_int(times, "times", 1, 1_000_000),
    )
    state.volvo.forced_statuses.add(forced)
    return web.json_response(forced.to_json(), status=201)


async def clear_invoke_statuses(request: web.Request) -> web.Response:
    """`DELETE /volvo/invoke-status`: commands answer naturally again."""
    state_of(request).volvo.forced_statuses.clear()
    return web.json_response({"status": "cleared"})


ROUTES: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
    ("GET", "/volvo/quota", get_quota),
    ("POST", "/volvo/quota", set_quota),
    ("POST", "/volvo/invoke-status", force_invoke_status),
    ("DELETE", "/volvo/invoke-status", clear_invoke_statuses),
]
