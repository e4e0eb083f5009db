"""Smartcar v3 commands: 200 at once or 202 held open, command-execution bodies, refusals."""

import asyncio

import pytest

from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID, TOYOTA_RAV4_PRIME_ID, VOLKSWAGEN_ID4_ID

VW, FORD, TOYOTA = VOLKSWAGEN_ID4_ID, FORD_F150_ID, TOYOTA_RAV4_PRIME_ID
# (car, command, body, its commandType and parameters, the car's state afterwards)
COMMANDS = [
    (FORD, "security/lock", None, "security-lock", {}, lambda s: s["locked"] is True),
    (TOYOTA, "security/unlock", None, "security-unlock", {}, lambda s: s["locked"] is False),
    (VW, "charge/start", None, "charge-start", {}, lambda s: s["charge"]["state"] == "CHARGING"),
    (
        VW,
        "charge/set-limit",
        {"data": {"attributes": {"percent": 70}}},
        "charge-set-limit",
        {"percent": 70},
        lambda s: s["charge"]["limit"] == 0.7,
    ),
    (
        FORD,
        "navigation/set-destination",
        {"data": {"attributes": {"latitude": 37.77, "longitude": -122.42}}},
        "navigation-set-destination",
        {"latitude": 37.77, "longitude": -122.42},
        lambda s: s["destination"] == {"latitude": 37.77, "longitude": -122.42},
    ),
    (VW, "charge-port/open", None, "charge-port-open", {}, lambda s: True),
]


async def _state(v3, vehicle_id: str) -> dict:
    cars = await (await v3.sim.control("GET", "/vehicles")).json()
    return next(car["state"] for car in cars if car["id"] == vehicle_id)


@pytest.mark.parametrize(("car", "path", "body", "command_type", "parameters", "done"), COMMANDS)
async def test_commands_answer_200_with_their_execution(
    v3, car, path, body, command_type, parameters, done
) -> None:
    response = await v3.api("POST", f"/vehicles/{car}/commands/{path}", json=body)
    answer = await response.json()
    assert response.status == 200, answer
    execution = answer["data"]
    assert execution["type"] == "command-execution"
    assert execution["id"].startswith("exec_")
    assert execution["attributes"] == {
        "commandType": command_type,
        "status": {"value": "SUCCESS"},
        "executionMode": "sync",
        "parameters": parameters,
    }
    assert execution["meta"]["durationInSeconds"] == 0
    assert done(await _state(v3, car))


@pytest.mark.parametrize(("car", "path", "body", "command_type", "parameters", "done"), COMMANDS)
async def test_long_commands_answer_202_and_then_their_outcome(
    v3, car, path, body, command_type, parameters, done
) -> None:
    await v3.settings(command_status=202, command_delay=0.01)
    response = await v3.api("POST", f"/vehicles/{car}/commands/{path}", json=body)
    assert response.status == 202
    assert "Content-Length" not in response.headers
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.headers["SC-Request-Id"]
    execution = (await response.json())["data"]
    assert execution["attributes"]["status"] == {"value": "SUCCESS"}
    assert execution["attributes"]["executionMode"] == "async"
    assert execution["attributes"]["commandType"] == command_type
    assert done(await _state(v3, car))


async def test_a_long_command_holds_the_answer_until_done(v3) -> None:
    await v3.settings(command_status=202, command_delay=0.3)
    pending = asyncio.ensure_future(v3.api("POST", f"/vehicles/{FORD}/commands/security/lock"))
    await asyncio.sleep(0.1)
    assert (await _state(v3, FORD))["locked"] is False
    response = await pending
    assert (await response.json())["data"]["attributes"]["status"]["value"] == "SUCCESS"
    assert (await _state(v3, FORD))["locked"] is True


async def test_a_long_command_that_fails_says_so_in_its_body(v3) -> None:
    await v3.settings(command_status=202)
    await v3.sim.control("PATCH", f"/vehicles/{FORD}", {"moving": True})
    response = await v3.api("POST", f"/vehicles/{FORD}/commands/security/lock")
    body = await response.json()
    assert response.status == 202
    assert (body["type"], body["code"], body["status"]) == ("VEHICLE_STATE", "IN_MOTION", "409")
    assert body["title"] == "In Motion"


@pytest.mark.parametrize(
    ("car", "path", "patch", "status", "error"),
    [
        (FORD, "security/lock", {"moving": True}, 409, ("VEHICLE_STATE", "IN_MOTION")),
        (FORD, "security/unlock", {"asleep": True}, 409, ("VEHICLE_STATE", "ASLEEP")),
        (
            VW,
            "charge-port/close",
            None,
            409,
            ("VEHICLE_STATE", "CHARGING_PLUG_CONNECTED"),
        ),
        (
            TESLA_MODEL_3_ID,
            "security/lock",
            None,
            400,
            ("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED"),
        ),
        (VW, "security/lock", None, 501, ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")),
        (FORD, "charge/start", None, 501, ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")),
        (TOYOTA, "charge-port/open", None, 501, ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")),
        (TOYOTA, "charge/stop", None, 409, ("VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED")),
        (FORD, "climate/start", None, 404, ("RESOURCE_NOT_FOUND", "PATH")),
    ],
)
async def test_commands_the_car_refuses(v3, car, path, patch, status, error) -> None:
    if patch:
        await v3.sim.control("PATCH", f"/vehicles/{car}", patch)
    response = await v3.api("POST", f"/vehicles/{car}/commands/{path}")
    body = await response.json()
    assert response.status == status
    assert (body["type"], body["code"]) == error


async def test_the_charge_port_closes_once_unplugged(v3) -> None:
    await v3.sim.control("PATCH", f"/vehicles/{VW}", {"charge": {"plugged_in": False}})
    response = await v3.api("POST", f"/vehicles/{VW}/commands/charge-port/open")
    assert response.status == 200
    assert (await _state(v3, VW))["charging_port"] == {"chargingPort": "OPEN"}
    response = await v3.api("POST", f"/vehicles/{VW}/commands/charge-port/close")
    assert response.status == 200
    assert (await _state(v3, VW))["charging_port"] == {"chargingPort": "CLOSED"}


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("charge/set-limit", None, "data.attributes is required."),
        ("charge/set-limit", {"data": {"attributes": {}}}, "data.attributes.percent is required."),
        (
            "charge/set-limit",
            {"data": {"attributes": {"percent": 49}}},
            "data.attributes.percent must be an integer from 50 to 100.",
        ),
        (
            "charge/set-limit",
            {"data": {"attributes": {"percent": 0.8}}},
            "data.attributes.percent must be an integer from 50 to 100.",
        ),
        (
            "navigation/set-destination",
            {"data": {"attributes": {"latitude": 91, "longitude": 0}}},
            "data.attributes.latitude must be a number from -90 to 90.",
        ),
        ("charge/set-limit", "{", "The body is not JSON."),
    ],
)
async def test_commands_refuse_bad_bodies(v3, path, body, detail) -> None:
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    response = await v3.api("POST", f"/vehicles/{VW}/commands/{path}", **kwargs)
    answer = await response.json()
    assert response.status == 400
    assert (answer["type"], answer["code"], answer["detail"]) == ("VALIDATION", "PARAMETER", detail)


async def test_commands_need_their_permission(v3) -> None:
    user = await v3.connect(sim_user="reader", scope="read_security")
    response = await v3.api("POST", f"/vehicles/{FORD}/commands/security/lock", user=user)
    assert response.status == 403
    assert (await response.json())["type"] == "PERMISSION"


async def test_v2_and_v3_see_one_car(v3) -> None:
    """A lock through v3 shows through v2, a charge limit set through v2 shows through v3."""
    v2 = await v3.sim.access_token()
    await v3.api("POST", f"/vehicles/{FORD}/commands/security/lock")
    response = await v3.sim.api("GET", f"/vehicles/{FORD}/security", v2)
    assert (await response.json())["isLocked"] is True
    await v3.sim.api("POST", f"/vehicles/{VW}/charge/limit", v2, json={"limit": 0.6})
    signals = await v3.signal_map(VW)
    assert signals["charge-chargelimits"]["attributes"]["body"]["activeLimit"] == 60
    await v3.sim.api("POST", f"/vehicles/{VW}/charge", v2, json={"action": "START"})
    signals = await v3.signal_map(VW)
    assert signals["charge-ischarging"]["attributes"]["body"] == {"value": True}
    assert signals["charge-wattage"]["attributes"]["status"] == {"value": "SUCCESS"}
    await v3.api("POST", f"/vehicles/{VW}/commands/charge/stop")
    response = await v3.sim.api("GET", f"/vehicles/{VW}/charge", v2)
    assert (await response.json())["state"] == "NOT_CHARGING"
