"""Control API for Smartcar v3 under `/_simulator/smartcar-v3`: how the v3 API answers."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from simulator.smartcar_v3.cloud import COMMAND_STATUSES, TIMESTAMP_FORMATS
from simulator.state import SimulatorState, state_of
from simulator.validation import (
    BadRequestError,
    expect_choice,
    expect_int,
    expect_number,
    expect_object,
    read_json,
)

SETTINGS = ("timestamps", "page_size", "command_status", "command_delay", "unsubscribed")
MAX_COMMAND_DELAY = 600


def _smartcar_cars(state: SimulatorState, value: Any) -> set[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequestError("unsubscribed must be a list of vehicle ids")
    for vehicle_id in value:
        car = state.vehicles.get(vehicle_id)
        if car is None or car.provider != "smartcar":
            raise BadRequestError(f"unsubscribed: {vehicle_id} is not a Smartcar car")
    return set(value)


async def get_settings(request: web.Request) -> web.Response:
    """`GET /smartcar-v3`: settings, app tokens issued and connections."""
    return web.json_response(state_of(request).smartcar_v3.to_json())


async def patch_settings(request: web.Request) -> web.Response:
    """`PATCH /smartcar-v3 {timestamps?, page_size?, command_status?, command_delay?, ...}`."""
    state = state_of(request)
    body = expect_object(await read_json(request), "settings", SETTINGS)
    settings = state.smartcar_v3.settings
    # Check everything first: a patch applies completely or not at all.
    updates: dict[str, Any] = {}
    if "timestamps" in body:
        updates["timestamps"] = expect_choice(body["timestamps"], "timestamps", TIMESTAMP_FORMATS)
    if "page_size" in body:
        size = body["page_size"]
        updates["page_size"] = None if size is None else expect_int(size, "page_size", 1, 100)
    if "command_status" in body:
        status = body["command_status"]
        if status not in COMMAND_STATUSES or isinstance(status, bool):
            raise BadRequestError("command_status must be 200 or 202")
        updates["command_status"] = status
    if "command_delay" in body:
        delay = body["command_delay"]
        updates["command_delay"] = expect_number(delay, "command_delay", 0, MAX_COMMAND_DELAY)
    if "unsubscribed" in body:
        updates["unsubscribed"] = _smartcar_cars(state, body["unsubscribed"])
    for key, value in updates.items():
        setattr(settings, key, value)
    return web.json_response(state.smartcar_v3.to_json())


ROUTES: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
    ("GET", "/smartcar-v3", get_settings),
    ("PATCH", "/smartcar-v3", patch_settings),
]
