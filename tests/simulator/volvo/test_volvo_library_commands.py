"""Commands through the real `volvocarsapi` library: they change the shared car state."""

import pytest

from simulator.volvo.commands import INVOKE_STATUSES
from simulator.volvo.garage import EX30_VIN, V60_VIN, XC60_VIN

from .conftest import Volvo


async def _car(volvo: Volvo, vin: str) -> dict:
    cars = await volvo.control("GET", "/vehicles?provider=volvo")
    return next(car for car in cars if car["vin"] == vin)


async def test_unlock_and_lock_change_the_shared_state(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), V60_VIN)
    result = await api.async_execute_command("unlock")
    assert result is not None
    assert (result.vin, result.invoke_status, result.message) == (V60_VIN, "COMPLETED", "")
    assert (await _car(volvo, V60_VIN))["state"]["locked"] is False
    assert (await api.async_get_doors_status())["centralLock"].value == "UNLOCKED"  # type: ignore[union-attr]
    result = await api.async_execute_command("lock")
    assert result is not None
    assert result.invoke_status == "COMPLETED"
    assert (await _car(volvo, V60_VIN))["state"]["locked"] is True
    assert (await api.async_get_doors_status())["centralLock"].value == "LOCKED"  # type: ignore[union-attr]


async def test_lock_reduced_guard(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), XC60_VIN)
    result = await api.async_execute_command("lock-reduced-guard")
    assert result is not None
    assert result.invoke_status == "COMPLETED"
    assert (await _car(volvo, XC60_VIN))["state"]["locked"] is True


@pytest.mark.parametrize(
    ("patch", "command", "status"),
    [
        ({"doors": {"frontLeft": "OPEN"}}, "lock", "UNABLE_TO_LOCK_DOOR_OPEN"),
        ({"storage": {"tailgate": "OPEN"}}, "lock", "UNABLE_TO_LOCK_DOOR_OPEN"),
        ({"asleep": True}, "lock", "VEHICLE_IN_SLEEP"),
        ({"asleep": True}, "honk", "VEHICLE_IN_SLEEP"),
        ({"moving": True}, "lock", "NOT_ALLOWED_WRONG_USAGE_MODE"),
    ],
)
async def test_the_car_refuses(volvo: Volvo, patch: dict, command: str, status: str) -> None:
    api = volvo.api(await volvo.signed_in(), XC60_VIN)
    await volvo.control("PATCH", f"/vehicles/{XC60_VIN}", patch)
    result = await api.async_execute_command(command)
    assert result is not None
    assert result.invoke_status == status
    assert result.message == INVOKE_STATUSES[status]
    assert (await _car(volvo, XC60_VIN))["state"]["locked"] is False


async def test_command_accessibility_follows_the_car(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), XC60_VIN)
    await volvo.control("PATCH", f"/vehicles/{XC60_VIN}", {"moving": True})
    availability = (await api.async_get_command_accessibility())["availabilityStatus"]
    assert availability is not None
    assert (availability.value, availability.get("unavailable_reason")) == (
        "UNAVAILABLE",
        "CAR_IN_USE",
    )
    await volvo.control("PATCH", f"/vehicles/{XC60_VIN}", {"moving": False, "asleep": True})
    availability = (await api.async_get_command_accessibility())["availabilityStatus"]
    assert availability is not None
    assert availability.get("unavailable_reason") == "POWER_SAVING_MODE"


async def test_remote_start_runs_for_its_minutes(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    api = volvo.api(auth, V60_VIN)
    result = await api.async_execute_command("engine-start", {"runtimeMinutes": 10})
    assert result is not None
    assert result.invoke_status == "COMPLETED"
    assert (await api.async_get_engine_status())["engineStatus"].value == "RUNNING"  # type: ignore[union-attr]
    volvo_state = (await _car(volvo, V60_VIN))["state"]["volvo"]
    assert volvo_state["engine_running"] is True
    assert volvo_state["engine_stops_at"] == "2026-11-18T11:16:40.000Z"
    await volvo.control("POST", "/clock", {"advance": 600})
    assert (await api.async_get_engine_status())["engineStatus"].value == "STOPPED"  # type: ignore[union-attr]
    await api.async_execute_command("engine-start")
    await api.async_execute_command("engine-stop")
    assert (await api.async_get_engine_status())["engineStatus"].value == "STOPPED"  # type: ignore[union-attr]


async def test_climatization_and_signals(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), EX30_VIN)
    for command in ("honk", "flash", "honk-flash", "climatization-start"):
        result = await api.async_execute_command(command)
        assert result is not None
        assert result.invoke_status == "COMPLETED"
    assert (await _car(volvo, EX30_VIN))["state"]["volvo"]["climatizing"] is True
    await api.async_execute_command("climatization-stop")
    assert (await _car(volvo, EX30_VIN))["state"]["volvo"]["climatizing"] is False


@pytest.mark.parametrize("status", list(INVOKE_STATUSES))
async def test_forced_invoke_status(volvo: Volvo, status: str) -> None:
    api = volvo.api(await volvo.signed_in(), V60_VIN)
    forced = {"status": status, "vehicle_id": V60_VIN, "command": "unlock"}
    assert await volvo.control("POST", "/volvo/invoke-status", forced) == forced | {"times": 1}
    result = await api.async_execute_command("unlock")
    assert result is not None
    assert result.invoke_status == status
    unlocked = status in ("COMPLETED", "DELIVERED", "SUCCESS")
    assert (await _car(volvo, V60_VIN))["state"]["locked"] is not unlocked
    result = await api.async_execute_command("unlock")  # used up: answers naturally again
    assert result is not None
    assert result.invoke_status == "COMPLETED"


async def test_forced_success_cannot_open_a_sleeping_car(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), V60_VIN)
    await volvo.control("PATCH", f"/vehicles/{V60_VIN}", {"asleep": True})
    await volvo.control("POST", "/volvo/invoke-status", {"status": "DELIVERED"})
    result = await api.async_execute_command("unlock")
    assert result is not None
    assert result.invoke_status == "DELIVERED"
    assert (await _car(volvo, V60_VIN))["state"]["locked"] is True


async def test_a_422_is_invoke_status_unknown_for_the_library(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), V60_VIN)
    fault = {"provider": "volvo", "type": "UNPROCESSABLE_ENTITY", "code": None}
    await volvo.control("POST", "/errors", fault | {"path": "/commands/unlock", "times": 1})
    result = await api.async_execute_command("unlock")
    assert result is not None
    assert (result.vin, result.invoke_status, result.message) == (V60_VIN, "UNKNOWN", "")
    assert (await _car(volvo, V60_VIN))["state"]["locked"] is True
