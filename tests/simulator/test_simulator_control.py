"""Control API: cars and their state, injected faults, stats, latency, clock and reset."""

import asyncio
import json
import time

import aiohttp
import pytest

from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID, TOYOTA_RAV4_PRIME_ID, VOLKSWAGEN_ID4_ID

FORD = f"/vehicles/{FORD_F150_ID}"
VW = f"/vehicles/{VOLKSWAGEN_ID4_ID}"


@pytest.fixture
async def token(simulator) -> str:
    return await simulator.access_token()


async def _inject(simulator, **fault) -> dict:
    response = await simulator.control("POST", "/errors", {"provider": "smartcar"} | fault)
    assert response.status == 201, await response.text()
    return await response.json()


async def _patch(simulator, vehicle_id: str, patch) -> tuple[int, dict]:
    response = await simulator.control("PATCH", f"/vehicles/{vehicle_id}", patch)
    return response.status, await response.json()


async def test_list_vehicles(simulator) -> None:
    everything = await (await simulator.control("GET", "/vehicles")).json()
    cars = [car for car in everything if car["provider"] == "smartcar"]
    assert everything[:4] == cars
    assert [(car["id"], car["make"], car["model"], car["year"]) for car in cars] == [
        (TESLA_MODEL_3_ID, "TESLA", "Model 3", 2022),
        (VOLKSWAGEN_ID4_ID, "VOLKSWAGEN", "ID.4", 2023),
        (FORD_F150_ID, "FORD", "F-150", 2021),
        (TOYOTA_RAV4_PRIME_ID, "TOYOTA", "RAV4 Prime", 2024),
    ]
    assert "volvo" not in cars[0]["state"]
    assert all(len(car["vin"]) == 17 for car in cars)
    toyota = cars[3]["state"]
    assert toyota == {
        "locked": True,
        "doors": dict.fromkeys(("frontLeft", "frontRight", "backLeft", "backRight"), "CLOSED"),
        "windows": dict.fromkeys(("frontLeft", "frontRight", "backLeft", "backRight"), "CLOSED"),
        "sunroof": {"sunroof": "CLOSED"},
        "storage": {"rear": "CLOSED"},
        "charging_port": {"chargingPort": "CLOSED"},
        "location": {"latitude": 37.3894, "longitude": -122.0819},
        "odometer": 8120.9,
        "tires": {"frontLeft": 235, "frontRight": 235, "backLeft": 232, "backRight": 232},
        "oil_life": 0.82,
        "fuel": {"percent": 0.72, "amount": 39.6, "range": 660.0, "capacity": 55.0},
        "battery": {"percent": 0.35, "range": 23.8, "capacity": 18.1},
        "charge": {"plugged_in": False, "state": "NOT_CHARGING", "limit": 1.0},
        "moving": False,
        "asleep": False,
        "destination": None,
        "updated_at": "2026-09-21T14:11:20.000Z",
    }
    assert cars[2]["state"]["battery"] is None
    assert cars[2]["state"]["charge"] is None
    assert cars[0]["state"]["fuel"] is None


@pytest.mark.parametrize("simulator", [{"cars": 10}], indirect=True)
async def test_a_larger_fleet_repeats_the_default_cars(simulator) -> None:
    cars = await (await simulator.control("GET", "/vehicles?provider=smartcar")).json()
    assert len(cars) == 10
    assert len({car["id"] for car in cars}) == 10
    assert len({car["vin"] for car in cars}) == 10
    assert [car["model"] for car in cars[4:6]] == ["Model 3", "ID.4"]
    assert all(len(car["vin"]) == 17 for car in cars)


@pytest.mark.parametrize("simulator", [{"cars": 1}], indirect=True)
async def test_a_smaller_fleet_keeps_the_first_cars(simulator) -> None:
    cars = await (await simulator.control("GET", "/vehicles?provider=smartcar")).json()
    assert [car["id"] for car in cars] == [TESLA_MODEL_3_ID]


async def test_patch_merges_state_and_the_api_follows(simulator, token) -> None:
    status, state = await _patch(
        simulator,
        FORD_F150_ID,
        {
            "lock": True,
            "location": {"latitude": 40.0, "longitude": -105.25},
            "odometer": 70000,
            "tires": {"backLeft": 180.5},
            "oil_life": 0.1,
            "fuel": {"percent": 0.25},
            "windows": {"frontLeft": "OPEN"},
            "sunroof": {"sunroof": "OPEN"},
            "moving": True,
        },
    )
    assert status == 200
    assert state["locked"] is True
    assert state["location"] == {"latitude": 40.0, "longitude": -105.25}
    assert state["tires"]["backLeft"] == 180.5
    assert state["fuel"]["percent"] == 0.25
    assert state["moving"] is True
    assert state["updated_at"] == "2026-09-21T14:13:20.000Z"
    assert await (await simulator.api("GET", FORD + "/odometer", token)).json() == {
        "distance": 70000
    }
    assert await (await simulator.api("GET", FORD + "/engine/oil", token)).json() == {
        "lifeRemaining": 0.1
    }
    security = await (await simulator.api("GET", FORD + "/security", token)).json()
    assert {"type": "frontLeft", "status": "OPEN"} in security["windows"]
    assert security["sunroof"] == [{"type": "sunroof", "status": "OPEN"}]
    assert (await _patch(simulator, FORD_F150_ID, {"locked": False}))[1]["locked"] is False


async def test_patch_charge(simulator) -> None:
    _, state = await _patch(
        simulator, TOYOTA_RAV4_PRIME_ID, {"charge": {"plugged_in": True, "charging": True}}
    )
    assert state["charge"] == {"plugged_in": True, "state": "CHARGING", "limit": 1.0}
    assert state["charging_port"] == {"chargingPort": "OPEN"}
    _, state = await _patch(simulator, TOYOTA_RAV4_PRIME_ID, {"charge": {"plugged_in": False}})
    assert state["charge"]["state"] == "NOT_CHARGING"
    assert state["charging_port"] == {"chargingPort": "CLOSED"}
    _, state = await _patch(
        simulator,
        VOLKSWAGEN_ID4_ID,
        {"battery": {"percent": 0.7}, "charge": {"state": "CHARGING", "limit": 0.6}},
    )
    assert state["charge"] == {"plugged_in": True, "state": "FULLY_CHARGED", "limit": 0.6}
    _, state = await _patch(simulator, VOLKSWAGEN_ID4_ID, {"charge": {"charging": False}})
    assert state["charge"]["state"] == "NOT_CHARGING"
    assert state["battery"] == {"percent": 0.7, "range": 310.1, "capacity": 77.0}


@pytest.mark.parametrize(
    ("vehicle_id", "patch", "message"),
    [
        (FORD_F150_ID, [], "patch must be an object"),
        (FORD_F150_ID, {"color": "red"}, "patch: unknown keys color"),
        (FORD_F150_ID, {"locked": "yes"}, "locked must be true or false"),
        (FORD_F150_ID, {"doors": {"hood": "OPEN"}}, "doors: unknown keys hood"),
        (
            FORD_F150_ID,
            {"doors": {"frontLeft": "AJAR"}},
            "doors.frontLeft must be one of CLOSED, OPEN",
        ),
        (FORD_F150_ID, {"location": {"latitude": 1}}, "location needs latitude and longitude"),
        (
            FORD_F150_ID,
            {"location": {"latitude": 91, "longitude": 0}},
            "location.latitude must be a number from -90 to 90",
        ),
        (FORD_F150_ID, {"odometer": -1}, "odometer must be a number from 0 to 10000000"),
        (
            FORD_F150_ID,
            {"tires": {"frontLeft": "low"}},
            "tires.frontLeft must be a number from 0 to 1000",
        ),
        (FORD_F150_ID, {"fuel": {}}, "fuel.percent must be a number from 0 to 1"),
        (FORD_F150_ID, {"battery": {"percent": 0.5}}, "this car has no traction battery"),
        (FORD_F150_ID, {"charge": {"plugged_in": True}}, "this car cannot charge"),
        (FORD_F150_ID, {"moving": 1}, "moving must be true or false"),
        (FORD_F150_ID, {"asleep": None}, "asleep must be true or false"),
        (TESLA_MODEL_3_ID, {"oil_life": 0.5}, "this car has no engine oil"),
        (TESLA_MODEL_3_ID, {"fuel": {"percent": 0.5}}, "this car has no fuel tank"),
        (
            TESLA_MODEL_3_ID,
            {"battery": {"percent": 2}},
            "battery.percent must be a number from 0 to 1",
        ),
        (
            TESLA_MODEL_3_ID,
            {"charge": {"charging": True, "state": "CHARGING"}},
            "charge: give either charging or state",
        ),
        (
            TESLA_MODEL_3_ID,
            {"charge": {"limit": 0.3}},
            "charge.limit must be a number from 0.5 to 1",
        ),
        (
            TESLA_MODEL_3_ID,
            {"charge": {"state": "BOILING"}},
            "charge.state must be one of CHARGING, FULLY_CHARGED, NOT_CHARGING",
        ),
        (
            TOYOTA_RAV4_PRIME_ID,
            {"charge": {"charging": True}},
            "charge: an unplugged car cannot charge",
        ),
    ],
)
async def test_patch_validation(simulator, vehicle_id, patch, message) -> None:
    before = await (await simulator.control("GET", "/vehicles")).json()
    status, body = await _patch(simulator, vehicle_id, patch)
    assert (status, body) == (400, {"error": message})
    assert await (await simulator.control("GET", "/vehicles")).json() == before


async def test_patch_is_all_or_nothing(simulator) -> None:
    status, _ = await _patch(simulator, FORD_F150_ID, {"locked": True, "odometer": "far"})
    assert status == 400
    assert simulator.state.vehicles[FORD_F150_ID].state.locked is False


async def test_patch_unknown_vehicle_and_bad_json(simulator) -> None:
    assert await _patch(simulator, "nope", {"locked": True}) == (404, {"error": "unknown vehicle"})
    response = await simulator.session.patch(f"/_simulator/vehicles/{FORD_F150_ID}", data=b"{")
    assert (response.status, await response.json()) == (400, {"error": "body must be JSON"})


async def test_injected_error_with_times_and_scope(simulator, token) -> None:
    fault = await _inject(
        simulator,
        vehicle_id=FORD_F150_ID,
        path="/odometer",
        type="RATE_LIMIT",
        code="VEHICLE",
        times=2,
    )
    assert fault == {
        "provider": "smartcar",
        "type": "RATE_LIMIT",
        "code": "VEHICLE",
        "status": 429,
        "vehicle_id": FORD_F150_ID,
        "path": "/odometer",
        "times": 2,
        "retry_after": None,
        "delay": None,
        "content_type": None,
        "body": None,
        "body_base64": None,
    }
    assert (await simulator.api("GET", VW + "/odometer", token)).status == 200
    assert (await simulator.api("GET", FORD + "/location", token)).status == 200
    for _ in range(2):
        response = await simulator.api("GET", FORD + "/odometer", token)
        body = await response.json()
        assert response.status == 429
        assert response.headers["Retry-After"] == "60"
        assert (body["type"], body["code"], body["statusCode"]) == ("RATE_LIMIT", "VEHICLE", 429)
        assert body["resolution"] == {"type": "RETRY_LATER"}
    assert (await simulator.api("GET", FORD + "/odometer", token)).status == 200


async def test_injected_error_until_cleared_with_status_and_retry_after(simulator, token) -> None:
    await _inject(
        simulator, type="BILLING", code="VEHICLE_REQUEST_LIMIT", status=430, retry_after=5
    )
    for path in ("/vehicles", "/user", FORD + "/vin", VW + "/battery"):
        response = await simulator.api("GET", path, token)
        assert response.status == 430
        assert response.headers["Retry-After"] == "5"
    response = await simulator.control("DELETE", "/errors")
    assert await response.json() == {"status": "cleared"}
    assert (await simulator.api("GET", "/vehicles", token)).status == 200


async def test_injected_error_in_batch_item(simulator, token) -> None:
    await _inject(simulator, path="/battery", type="UPSTREAM", code="NO_RESPONSE")
    await _inject(
        simulator, path="/odometer", type="RATE_LIMIT", code="SMARTCAR_API", retry_after=30
    )
    requests = [{"path": "/battery"}, {"path": "/charge"}, {"path": "/odometer"}]
    body = await (
        await simulator.api("POST", VW + "/batch", token, json={"requests": requests})
    ).json()
    battery, charge, odometer = body["responses"]
    assert (battery["code"], battery["body"]["type"], battery["body"]["code"]) == (
        502,
        "UPSTREAM",
        "NO_RESPONSE",
    )
    assert charge["code"] == 200
    assert (odometer["code"], odometer["headers"]) == (429, {"retry-after": "30"})


async def test_injected_authentication_failed_names_the_car(simulator, token) -> None:
    await _inject(
        simulator,
        vehicle_id=FORD_F150_ID,
        type="CONNECTED_SERVICES_ACCOUNT",
        code="AUTHENTICATION_FAILED",
    )
    body = await (await simulator.api("GET", FORD + "/odometer", token)).json()
    assert body["resolution"] == {
        "type": "REAUTHENTICATE",
        "url": "https://connect.smartcar.com/oauth/reauthenticate?response_type=vehicle_id"
        f"&client_id=sim-client-id&vehicle_id={FORD_F150_ID}",
    }
    assert body["statusCode"] == 400


async def test_malformed_reply(simulator, token) -> None:
    await _inject(simulator, vehicle_id=FORD_F150_ID, type="MALFORMED", times=1)
    response = await simulator.api("GET", FORD + "/odometer", token)
    assert response.status == 200
    assert "SC-Request-Id" in response.headers
    with pytest.raises(json.JSONDecodeError):
        await response.json()
    assert (await simulator.api("GET", FORD + "/odometer", token)).status == 200


async def test_timeout_with_delay(simulator, token) -> None:
    await _inject(simulator, path="/odometer", type="TIMEOUT", delay=0.2, times=1)
    started = time.monotonic()
    response = await simulator.api("GET", FORD + "/odometer", token)
    assert response.status == 200
    assert time.monotonic() - started >= 0.2


async def test_timeout_until_cleared(simulator, token) -> None:
    await _inject(simulator, path="/odometer", type="TIMEOUT")
    with pytest.raises(TimeoutError):
        await simulator.api(
            "GET", FORD + "/odometer", token, timeout=aiohttp.ClientTimeout(total=0.1)
        )
    pending = asyncio.ensure_future(simulator.api("GET", FORD + "/odometer", token))
    await asyncio.sleep(0.05)
    assert not pending.done()
    await simulator.control("DELETE", "/errors")
    assert (await pending).status == 200


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ([], "error must be an object"),
        (
            {"provider": "smartcar", "type": "SERVER", "code": "INTERNAL", "when": 1},
            "error: unknown keys when",
        ),
        (
            {"provider": "tesla", "type": "SERVER", "code": "INTERNAL"},
            "provider must be one of high_mobility, smartcar, smartcar_v3, volvo",
        ),
        (
            {"provider": "smartcar", "code": "INTERNAL"},
            "type must be a string and code a string or null",
        ),
        (
            {"provider": "smartcar", "type": "SERVER", "code": 5},
            "type must be a string and code a string or null",
        ),
        (
            {"provider": "smartcar", "type": "SERVER", "code": "OOPS"},
            "unknown smartcar error SERVER:OOPS",
        ),
        (
            {"provider": "smartcar", "type": "SERVER", "code": "INTERNAL", "vehicle_id": "x"},
            "unknown vehicle_id",
        ),
        (
            {"provider": "smartcar", "type": "SERVER", "code": "INTERNAL", "path": "odometer"},
            "path must start with /",
        ),
        (
            {"provider": "smartcar", "type": "SERVER", "code": "INTERNAL", "status": 99},
            "status must be an integer from 100 to 599",
        ),
        (
            {"provider": "smartcar", "type": "SERVER", "code": "INTERNAL", "times": 0},
            "times must be an integer from 1 to 1000000",
        ),
        (
            {"provider": "smartcar", "type": "TIMEOUT", "delay": -1},
            "delay must be a number from 0 to 3600",
        ),
    ],
)
async def test_invalid_fault(simulator, fault, message) -> None:
    response = await simulator.control("POST", "/errors", fault)
    assert (response.status, await response.json()) == (400, {"error": message})


async def test_stats_count_requests_and_billable_calls(simulator, token) -> None:
    await simulator.api("GET", FORD + "/odometer", token)
    await simulator.api("GET", FORD + "/odometer", token)
    await simulator.api("POST", FORD + "/security", token, json={"action": "LOCK"})
    batch = {"requests": [{"path": "/odometer"}, {"path": "/fuel"}, {"path": "/engine/oil"}]}
    await simulator.api("POST", FORD + "/batch", token, json=batch)
    await simulator.api("GET", "/vehicles", token)
    stats = await (await simulator.control("GET", "/stats")).json()
    assert stats["vehicles"][FORD_F150_ID] == {
        "requests": 4,
        "billable": 6,
        "by_path": {"/odometer": 3, "/security": 1, "/fuel": 1, "/engine/oil": 1},
    }
    assert stats["vehicles"][VOLKSWAGEN_ID4_ID] == {"requests": 0, "billable": 0, "by_path": {}}
    assert stats["totals"] == {"requests": 5, "billable": 6}
    assert await (await simulator.control("DELETE", "/stats")).json() == {"status": "cleared"}
    stats = await (await simulator.control("GET", "/stats")).json()
    assert stats["totals"] == {"requests": 0, "billable": 0}


async def test_latency(simulator, token) -> None:
    response = await simulator.control("POST", "/latency", {"ms": 150})
    assert await response.json() == {"ms": 150.0}
    started = time.monotonic()
    assert (await simulator.api("GET", FORD + "/vin", token)).status == 200
    assert time.monotonic() - started >= 0.15
    response = await simulator.control("POST", "/latency", {"ms": -5})
    assert response.status == 400


async def test_clock_validation(simulator) -> None:
    for body in ({"advance": -1}, {"advance": "soon"}, {"back": 5}):
        assert (await simulator.control("POST", "/clock", body)).status == 400


async def test_reset_restores_everything(simulator, token) -> None:
    await _patch(simulator, FORD_F150_ID, {"locked": True, "odometer": 1})
    await _inject(simulator, type="SERVER", code="INTERNAL")
    await simulator.control("POST", "/latency", {"ms": 1})
    await simulator.control("POST", "/clock", {"advance": 100})
    await simulator.api("GET", FORD + "/vin", token)
    assert await (await simulator.control("POST", "/reset")).json() == {"status": "reset"}
    assert simulator.state.latency_ms == 0
    assert simulator.state.clock.offset == 0
    cars = await (await simulator.control("GET", "/vehicles")).json()
    assert cars[2]["state"]["odometer"] == 64890.4
    assert cars[2]["state"]["locked"] is False
    assert (await simulator.api("GET", FORD + "/vin", token)).status == 401
    fresh = await simulator.access_token()
    assert (await simulator.api("GET", FORD + "/vin", fresh)).status == 200
    stats = await (await simulator.control("GET", "/stats")).json()
    assert stats["vehicles"][FORD_F150_ID]["requests"] == 1
