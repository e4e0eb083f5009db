"""Control API for the simulated Volvos: garage, patches, quota, forced invoke statuses, reset."""

import pytest

from simulator.garage import TESLA_MODEL_3_ID
from simulator.volvo.garage import EX30_VIN, V60_VIN, XC60_VIN

from .raw import access_token, api, vehicle


async def _patch(simulator, vehicle_id: str, patch) -> tuple[int, dict]:
    response = await simulator.control("PATCH", f"/vehicles/{vehicle_id}", patch)
    return response.status, await response.json()


async def test_the_volvos_follow_the_smartcar_cars(simulator) -> None:
    cars = await (await simulator.control("GET", "/vehicles")).json()
    providers = [car["provider"] for car in cars]
    assert providers == ["smartcar"] * 4 + ["volvo"] * 3 + ["high_mobility"] * 3
    volvos = cars[4:7]
    assert [(c["id"], c["vin"], c["make"], c["model"], c["year"]) for c in volvos] == [
        (EX30_VIN, EX30_VIN, "VOLVO", "EX30", 2025),
        (XC60_VIN, XC60_VIN, "VOLVO", "XC60", 2024),
        (V60_VIN, V60_VIN, "VOLVO", "V60", 2023),
    ]
    assert all(len(car["vin"]) == 17 and car["vin"].startswith("YV1") for car in volvos)
    ex30 = volvos[0]["state"]
    assert ex30["storage"] == {"hood": "CLOSED", "tailgate": "CLOSED"}
    assert ex30["charge"] == {"plugged_in": True, "state": "CHARGING", "limit": 0.9}
    assert ex30["volvo"]["heading"] == 90
    assert volvos[2]["state"]["battery"] is None
    only = await (await simulator.control("GET", "/vehicles?provider=volvo")).json()
    assert only == volvos
    response = await simulator.control("GET", "/vehicles?provider=bmw")
    assert response.status == 400


@pytest.mark.parametrize("simulator", [{"cars": 1, "volvo_cars": 5}], indirect=True)
async def test_a_larger_volvo_fleet(simulator) -> None:
    cars = await (await simulator.control("GET", "/vehicles?provider=volvo")).json()
    assert [car["model"] for car in cars] == ["EX30", "XC60", "V60", "EX30", "XC60"]
    assert all(car["id"] == car["vin"] and len(car["vin"]) == 17 for car in cars)
    assert len({car["vin"] for car in cars}) == 5
    assert cars[3]["vin"] == f"{EX30_VIN[:11]}000003"
    everything = await (await simulator.control("GET", "/vehicles")).json()
    assert [car["id"] for car in everything[:1]] == [TESLA_MODEL_3_ID]


async def test_patch_volvo_readings_and_the_api_follows(simulator) -> None:
    token = await access_token(simulator)
    status, state = await _patch(
        simulator,
        XC60_VIN,
        {
            "volvo": {
                "heading": 45,
                "tank_lid": "AJAR",
                "engine_running": True,
                "climatizing": True,
                "warnings": {"oilLevelWarning": "TOO_LOW", "fogLightRearWarning": "FAILURE"},
            },
            "tires": {"frontLeft": 150, "frontRight": 320},
            "storage": {"hood": "OPEN"},
            "windows": {"backLeft": "OPEN"},
        },
    )
    assert status == 200
    assert state["volvo"]["engine_running"] is True
    assert state["volvo"]["engine_stops_at"] is None

    async def data(resource: str, api_path: str | None = None) -> dict:
        path = api_path or vehicle(XC60_VIN, resource)
        response = await api(simulator, "GET", path, token)
        return {
            name: value["value"] if isinstance(value, dict) and "value" in value else value
            for name, value in (await response.json())["data"].items()
        }

    doors = await data("/doors")
    assert (doors["tankLid"], doors["hood"]) == ("AJAR", "OPEN")
    assert (await data("/windows"))["rearLeftWindow"] == "OPEN"
    tyres = await data("/tyres")
    assert (tyres["frontLeft"], tyres["frontRight"]) == ("VERY_LOW_PRESSURE", "HIGH_PRESSURE")
    assert (await data("/engine"))["oilLevelWarning"] == "TOO_LOW"
    assert (await data("/warnings"))["fogLightRearWarning"] == "FAILURE"
    assert (await data("/engine-status"))["engineStatus"] == "RUNNING"
    location = await data("", f"/location/v1/vehicles/{XC60_VIN}/location")
    assert location["properties"]["heading"] == "45"
    response = await api(simulator, "POST", vehicle(XC60_VIN, "/commands/lock"), token)
    assert (await response.json())["data"]["invokeStatus"] == "UNABLE_TO_LOCK_DOOR_OPEN"


@pytest.mark.parametrize(
    ("vehicle_id", "patch", "message"),
    [
        (TESLA_MODEL_3_ID, {"volvo": {"heading": 1}}, "this car is not a Volvo"),
        (EX30_VIN, {"volvo": {"colour": "red"}}, "volvo: unknown keys colour"),
        (EX30_VIN, {"volvo": {"heading": 360}}, "volvo.heading must be a number from 0 to 359"),
        (
            EX30_VIN,
            {"volvo": {"tank_lid": "GONE"}},
            "volvo.tank_lid must be one of AJAR, CLOSED, OPEN",
        ),
        (EX30_VIN, {"volvo": {"climatizing": 1}}, "volvo.climatizing must be true or false"),
        (
            EX30_VIN,
            {"volvo": {"warnings": {"oilLevelWarning": "TOO_LOW"}}},
            "volvo.warnings: unknown keys oilLevelWarning",
        ),
        (
            EX30_VIN,
            {"volvo": {"warnings": {"serviceWarning": "soon"}}},
            "volvo.warnings.serviceWarning must be an upper-case value like FAILURE",
        ),
        (EX30_VIN, {"storage": {"front": "OPEN"}}, "storage: unknown keys front"),
    ],
)
async def test_patch_validation(simulator, vehicle_id, patch, message) -> None:
    assert await _patch(simulator, vehicle_id, patch) == (400, {"error": message})


async def test_quota_control(simulator) -> None:
    quota = await (await simulator.control("POST", "/volvo/quota", {"limit": 5, "used": 3})).json()
    assert (quota["limit"], quota["used"], quota["remaining"]) == (5, 3, 2)
    for body, message in [
        ({"used": -1}, "used must be an integer from 0 to 100000000"),
        ({"limit": "many"}, "limit must be an integer from 0 to 100000000"),
        ({"left": 1}, "quota: unknown keys left"),
    ]:
        response = await simulator.control("POST", "/volvo/quota", body)
        assert (response.status, await response.json()) == (400, {"error": message})
    response = await simulator.session.post("/_simulator/volvo/quota", data=b"{")
    assert (response.status, await response.json()) == (400, {"error": "body must be JSON"})


async def test_forced_statuses_until_cleared(simulator) -> None:
    token = await access_token(simulator)
    forced = {"status": "CAR_ERROR", "times": None}
    response = await simulator.control("POST", "/volvo/invoke-status", forced)
    assert await response.json() == forced | {"vehicle_id": None, "command": None}
    for _ in range(3):
        response = await api(simulator, "POST", vehicle(EX30_VIN, "/commands/flash"), token)
        assert (await response.json())["data"]["invokeStatus"] == "CAR_ERROR"
    assert await (await simulator.control("DELETE", "/volvo/invoke-status")).json() == {
        "status": "cleared"
    }
    response = await api(simulator, "POST", vehicle(EX30_VIN, "/commands/flash"), token)
    assert (await response.json())["data"]["invokeStatus"] == "COMPLETED"


async def test_forced_status_narrowed_to_a_car_and_command(simulator) -> None:
    token = await access_token(simulator)
    forced = {"status": "EXPIRED", "vehicle_id": V60_VIN, "command": "honk", "times": 2}
    await simulator.control("POST", "/volvo/invoke-status", forced)
    for path in (vehicle(EX30_VIN, "/commands/honk"), vehicle(V60_VIN, "/commands/flash")):
        response = await api(simulator, "POST", path, token)
        assert (await response.json())["data"]["invokeStatus"] == "COMPLETED"
    statuses = [
        (await (await api(simulator, "POST", vehicle(V60_VIN, "/commands/honk"), token)).json())[
            "data"
        ]["invokeStatus"]
        for _ in range(3)
    ]
    assert statuses == ["EXPIRED", "EXPIRED", "COMPLETED"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "FINE"}, "status must be one of"),
        ({"status": "COMPLETED", "command": "fly"}, "command must be one of"),
        ({"status": "COMPLETED", "vehicle_id": TESLA_MODEL_3_ID}, "must be a Volvo car's id"),
        ({"status": "COMPLETED", "vehicle_id": "nope"}, "must be a Volvo car's id"),
        ({"status": "COMPLETED", "times": 0}, "times must be an integer from 1 to 1000000"),
        ({"status": "COMPLETED", "when": 1}, "invoke status: unknown keys when"),
    ],
)
async def test_forced_status_validation(simulator, body, message) -> None:
    response = await simulator.control("POST", "/volvo/invoke-status", body)
    assert response.status == 400
    assert message in (await response.json())["error"]


async def test_faults_name_a_car_of_their_provider(simulator) -> None:
    fault = {"provider": "volvo", "type": "CONFLICT", "vehicle_id": TESLA_MODEL_3_ID}
    response = await simulator.control("POST", "/errors", fault)
    assert await response.json() == {"error": "vehicle_id is not a volvo car"}
    fault = {"provider": "smartcar", "type": "SERVER", "code": "INTERNAL", "vehicle_id": EX30_VIN}
    response = await simulator.control("POST", "/errors", fault)
    assert await response.json() == {"error": "vehicle_id is not a smartcar car"}
    response = await simulator.control("POST", "/errors", {"provider": "volvo", "type": "OOPS"})
    assert await response.json() == {"error": "unknown volvo error OOPS:None"}


async def test_reset_restores_the_volvos(simulator) -> None:
    token = await access_token(simulator)
    await _patch(simulator, V60_VIN, {"locked": False, "volvo": {"heading": 5}})
    await simulator.control("POST", "/volvo/quota", {"used": 7})
    await simulator.control("POST", "/volvo/invoke-status", {"status": "REJECTED"})
    await simulator.control("POST", "/reset")
    car = simulator.state.vehicles[V60_VIN]
    assert (car.state.locked, car.state.volvo.heading) == (True, 340)
    assert (await (await simulator.control("GET", "/volvo/quota")).json())["used"] == 0
    assert (await api(simulator, "GET", vehicle(V60_VIN, "/doors"), token)).status == 401
    fresh = await access_token(simulator)
    response = await api(simulator, "POST", vehicle(V60_VIN, "/commands/unlock"), fresh)
    assert (await response.json())["data"]["invokeStatus"] == "COMPLETED"
