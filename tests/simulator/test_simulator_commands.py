"""Smartcar commands, the refusals of real cars, and charging over simulated time."""

import pytest

from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID, TOYOTA_RAV4_PRIME_ID, VOLKSWAGEN_ID4_ID

SUCCESS = {"status": "success", "message": "Successfully sent request to vehicle"}
FORD = f"/vehicles/{FORD_F150_ID}"
TESLA = f"/vehicles/{TESLA_MODEL_3_ID}"
VW = f"/vehicles/{VOLKSWAGEN_ID4_ID}"
TOYOTA = f"/vehicles/{TOYOTA_RAV4_PRIME_ID}"


@pytest.fixture
async def token(simulator) -> str:
    return await simulator.access_token()


async def _call(simulator, token: str, method: str, path: str, json=None) -> tuple[int, dict]:
    response = await simulator.api(method, path, token, json=json)
    return response.status, await response.json()


async def _patch(simulator, vehicle_id: str, patch: dict) -> dict:
    response = await simulator.control("PATCH", f"/vehicles/{vehicle_id}", patch)
    assert response.status == 200, await response.text()
    return await response.json()


def _error(result: tuple[int, dict]) -> tuple[int, str, str | None]:
    status, body = result
    return status, body["type"], body["code"]


async def test_lock_and_unlock(simulator, token) -> None:
    assert await _call(simulator, token, "POST", FORD + "/security", {"action": "LOCK"}) == (
        200,
        SUCCESS,
    )
    _, body = await _call(simulator, token, "GET", FORD + "/security")
    assert body["isLocked"] is True
    assert {door["status"] for door in body["doors"]} == {"LOCKED"}
    assert simulator.state.vehicles[FORD_F150_ID].state.locked is True
    assert await _call(simulator, token, "POST", FORD + "/security", {"action": "UNLOCK"}) == (
        200,
        SUCCESS,
    )
    assert simulator.state.vehicles[FORD_F150_ID].state.locked is False


@pytest.mark.parametrize("body", [None, {}, {"action": "OPEN"}, {"action": 1}])
async def test_invalid_lock_action(simulator, token, body) -> None:
    status, error = await _call(simulator, token, "POST", FORD + "/security", body)
    assert status == 400
    assert (error["type"], error["code"]) == ("VALIDATION", "PARAMETER")
    assert error["detail"][0]["message"] in {
        "action is required.",
        "action must be one of LOCK, UNLOCK.",
    }


async def test_moving_car_refuses_lock_and_unlock(simulator, token) -> None:
    await _patch(simulator, FORD_F150_ID, {"moving": True})
    for action in ("LOCK", "UNLOCK"):
        result = await _call(simulator, token, "POST", FORD + "/security", {"action": action})
        assert _error(result) == (409, "VEHICLE_STATE", "IN_MOTION")
    assert (
        result[1]["docURL"]
        == "https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#in-motion"
    )


async def test_open_door_or_trunk_refuses_lock(simulator, token) -> None:
    await _patch(simulator, FORD_F150_ID, {"doors": {"backLeft": "OPEN"}})
    result = await _call(simulator, token, "POST", FORD + "/security", {"action": "LOCK"})
    assert _error(result) == (409, "VEHICLE_STATE", "DOOR_OPEN")
    _, body = await _call(simulator, token, "GET", FORD + "/security")
    assert {"type": "backLeft", "status": "OPEN"} in body["doors"]
    await _patch(
        simulator, FORD_F150_ID, {"doors": {"backLeft": "CLOSED"}, "storage": {"rear": "OPEN"}}
    )
    result = await _call(simulator, token, "POST", FORD + "/security", {"action": "LOCK"})
    assert _error(result) == (409, "VEHICLE_STATE", "TRUNK_OPEN")


async def test_lock_unsupported_is_compatibility_error(simulator, token) -> None:
    result = await _call(simulator, token, "POST", VW + "/security", {"action": "LOCK"})
    assert _error(result) == (501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    status, body = await _call(simulator, token, "GET", VW + "/security")
    assert status == 200
    assert body["isLocked"] is True


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/security", {"action": "UNLOCK"}),
        ("/charge", {"action": "STOP"}),
        ("/charge/limit", {"limit": 0.9}),
        ("/navigation/destination", {"latitude": 37.0, "longitude": -122.0}),
    ],
)
async def test_tesla_commands_need_virtual_key(simulator, token, path, body) -> None:
    response = await simulator.api("POST", TESLA + path, token, json=body)
    assert response.status == 400
    assert await response.json() == {
        "type": "CONNECTED_SERVICES_ACCOUNT",
        "code": "VIRTUAL_KEY_REQUIRED",
        "description": "The vehicle owner needs to grant additional access to Smartcar in order to perform this request.",
        "docURL": "https://smartcar.com/docs/errors/api-errors/connected-services-account-errors#virtual-key-required",
        "statusCode": 400,
        "requestId": response.headers["SC-Request-Id"],
        "resolution": {"type": "ACTION_REQUIRED", "url": "https://www.tesla.com/_ak/smartcar.com"},
        "suggestedUserMessage": "In order to perform this request you\u2019ll need to add a Third-Party Virtual key to your vehicle. Please open this link on the phone with your Tesla App to complete this step.",
    }
    status, _ = await _call(simulator, token, "GET", TESLA + "/charge")
    assert status == 200


async def test_commands_need_control_permission(simulator) -> None:
    token = await simulator.access_token(scope="read_security")
    result = await _call(simulator, token, "POST", FORD + "/security", {"action": "LOCK"})
    assert _error(result) == (403, "PERMISSION", None)


async def test_start_and_stop_charging(simulator, token) -> None:
    assert await _call(simulator, token, "POST", VW + "/charge", {"action": "START"}) == (
        200,
        SUCCESS,
    )
    assert (await _call(simulator, token, "GET", VW + "/charge"))[1]["state"] == "CHARGING"
    result = await _call(simulator, token, "POST", VW + "/charge", {"action": "START"})
    assert _error(result) == (409, "VEHICLE_STATE", "CHARGING_IN_PROGRESS")
    assert await _call(simulator, token, "POST", VW + "/charge", {"action": "STOP"}) == (
        200,
        SUCCESS,
    )
    assert (await _call(simulator, token, "GET", VW + "/charge"))[1]["state"] == "NOT_CHARGING"
    result = await _call(simulator, token, "POST", VW + "/charge", {"action": "STOP"})
    assert _error(result) == (409, "VEHICLE_STATE", "NOT_CHARGING")


async def test_unplugged_car_refuses_charging(simulator, token) -> None:
    for action in ("START", "STOP"):
        result = await _call(simulator, token, "POST", TOYOTA + "/charge", {"action": action})
        assert _error(result) == (409, "VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED")


async def test_charging_at_the_limit_is_refused(simulator, token) -> None:
    assert await _call(simulator, token, "POST", VW + "/charge/limit", {"limit": 0.5}) == (
        200,
        SUCCESS,
    )
    assert (await _call(simulator, token, "GET", VW + "/charge/limit"))[1] == {"limit": 0.5}
    result = await _call(simulator, token, "POST", VW + "/charge", {"action": "START"})
    assert _error(result) == (409, "VEHICLE_STATE", "FULLY_CHARGED")


@pytest.mark.parametrize(
    "body", [{"limit": 0.49}, {"limit": 1.01}, {"limit": "0.8"}, {"limit": True}, {}]
)
async def test_invalid_charge_limit(simulator, token, body) -> None:
    result = await _call(simulator, token, "POST", VW + "/charge/limit", body)
    assert _error(result) == (400, "VALIDATION", "PARAMETER")


async def test_send_destination(simulator, token) -> None:
    body = {"latitude": 37.7749, "longitude": -122.4194}
    assert await _call(simulator, token, "POST", FORD + "/navigation/destination", body) == (
        200,
        SUCCESS,
    )
    vehicles = await (await simulator.control("GET", "/vehicles")).json()
    ford = next(car for car in vehicles if car["id"] == FORD_F150_ID)
    assert ford["state"]["destination"] == body


@pytest.mark.parametrize(
    "body", [{"latitude": 91, "longitude": 0}, {"latitude": 0, "longitude": -181}, {"latitude": 0}]
)
async def test_invalid_destination(simulator, token, body) -> None:
    result = await _call(simulator, token, "POST", FORD + "/navigation/destination", body)
    assert _error(result) == (400, "VALIDATION", "PARAMETER")


async def test_asleep_car_refuses_commands(simulator, token) -> None:
    await _patch(simulator, FORD_F150_ID, {"asleep": True})
    result = await _call(simulator, token, "POST", FORD + "/security", {"action": "LOCK"})
    assert _error(result) == (409, "VEHICLE_STATE", "ASLEEP")


async def test_charging_progresses_with_the_clock_and_stops_at_the_limit(simulator, token) -> None:
    await _call(simulator, token, "POST", VW + "/charge", {"action": "START"})
    simulator.clock.now += 3600  # 11 kW into 77 kWh: +14.3 % per hour
    assert (await _call(simulator, token, "GET", VW + "/battery"))[1] == {
        "percentRemaining": 0.69,
        "range": 306.9,
    }
    simulator.clock.now += 2 * 3600
    token = await simulator.access_token()  # the first one expired after two hours
    assert (await _call(simulator, token, "GET", VW + "/battery"))[1] == {
        "percentRemaining": 0.9,
        "range": 398.7,
    }
    assert (await _call(simulator, token, "GET", VW + "/charge"))[1] == {
        "isPluggedIn": True,
        "state": "FULLY_CHARGED",
    }
    # A higher limit resumes charging, a lower one ends it.
    await _call(simulator, token, "POST", VW + "/charge/limit", {"limit": 1.0})
    assert (await _call(simulator, token, "GET", VW + "/charge"))[1]["state"] == "CHARGING"
    simulator.clock.now += 1800
    await _call(simulator, token, "POST", VW + "/charge/limit", {"limit": 0.9})
    charge = (await _call(simulator, token, "GET", VW + "/charge"))[1]
    assert charge["state"] == "FULLY_CHARGED"
    assert (await _call(simulator, token, "GET", VW + "/battery"))[1]["percentRemaining"] == 0.97


async def test_default_tesla_charges_when_the_clock_control_moves(simulator, token) -> None:
    response = await simulator.control("POST", "/clock", {"advance": 3600})
    assert await response.json() == {"now": "2026-09-21T15:13:20.000Z", "offset": 3600.0}
    assert (await _call(simulator, token, "GET", TESLA + "/battery"))[1] == {
        "percentRemaining": 0.77,
        "range": 408.6,
    }
