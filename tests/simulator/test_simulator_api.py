"""Smartcar Vehicle API v2.0: reads, units, headers, access errors, paging and batch."""

from datetime import UTC, datetime

import pytest

from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID, TOYOTA_RAV4_PRIME_ID, VOLKSWAGEN_ID4_ID
from simulator.smartcar.errors import doc_url

START_ISO = "2026-09-21T14:13:20.000Z"  # the test clock's start (1_790_000_000)
RECORDED_ISO = "2026-09-21T14:11:20.000Z"  # the garage records its data 2 minutes earlier
FORD = f"/vehicles/{FORD_F150_ID}"
TESLA = f"/vehicles/{TESLA_MODEL_3_ID}"
VW = f"/vehicles/{VOLKSWAGEN_ID4_ID}"
TOYOTA = f"/vehicles/{TOYOTA_RAV4_PRIME_ID}"


@pytest.fixture
async def token(simulator) -> str:
    return await simulator.access_token()


async def _get(simulator, path: str, token: str, **kwargs) -> tuple[int, object]:
    response = await simulator.api("GET", path, token, **kwargs)
    return response.status, await response.json()


def test_clock_constants_agree() -> None:
    assert (
        datetime.fromtimestamp(1_790_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") == START_ISO
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", {"id": FORD_F150_ID, "make": "FORD", "model": "F-150", "year": 2021}),
        ("/vin", {"vin": "1FTFW1E5XMFA93518"}),
        ("/odometer", {"distance": 64890.4}),
        ("/location", {"latitude": 37.5485, "longitude": -121.9886}),
        (
            "/tires/pressure",
            {"frontLeft": 238, "frontRight": 240, "backLeft": 236, "backRight": 239},
        ),
        ("/engine/oil", {"lifeRemaining": 0.47}),
        ("/fuel", {"amountRemaining": 87.04, "percentRemaining": 0.64, "range": 701.9}),
        (
            "/security",
            {
                "isLocked": False,
                "doors": [
                    {"type": wheel, "status": "UNLOCKED"}
                    for wheel in ("frontLeft", "frontRight", "backLeft", "backRight")
                ],
                "windows": [
                    {"type": wheel, "status": "CLOSED"}
                    for wheel in ("frontLeft", "frontRight", "backLeft", "backRight")
                ],
                "sunroof": [{"type": "sunroof", "status": "CLOSED"}],
                "storage": [{"type": "rear", "status": "CLOSED"}],
                "chargingPort": [],
            },
        ),
        (
            "/diagnostics/system_status",
            {
                "systems": [
                    {"systemId": "SYSTEM_ABS", "status": "OK", "description": None},
                    {"systemId": "SYSTEM_AIRBAG", "status": "OK", "description": None},
                    {"systemId": "SYSTEM_BRAKE_FLUID", "status": "OK", "description": None},
                    {
                        "systemId": "SYSTEM_EMISSIONS",
                        "status": "ALERT",
                        "description": "Evaporative emission system leak detected",
                    },
                    {"systemId": "SYSTEM_TPMS", "status": "OK", "description": None},
                ]
            },
        ),
        (
            "/diagnostics/dtcs",
            {
                "activeCodes": [
                    {"code": "P0456", "timestamp": "2026-09-18T14:13:20.000Z"},
                    {"code": "P0457", "timestamp": None},
                ]
            },
        ),
    ],
)
async def test_ford_reads(simulator, token, path, body) -> None:
    assert await _get(simulator, FORD + path, token) == (200, body)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/battery", {"percentRemaining": 0.55, "range": 243.7}),
        ("/battery/capacity", {"capacity": 77.0}),
        (
            "/battery/nominal_capacity",
            {
                "availableCapacities": [{"capacity": 77.0, "description": None}],
                "capacity": {"nominal": 77.0, "source": "SMARTCAR"},
                "url": None,
            },
        ),
        ("/charge", {"isPluggedIn": True, "state": "NOT_CHARGING"}),
        ("/charge/limit", {"limit": 0.9}),
        ("/diagnostics/dtcs", {"activeCodes": []}),
    ],
)
async def test_volkswagen_reads(simulator, token, path, body) -> None:
    assert await _get(simulator, VW + path, token) == (200, body)


async def test_plug_in_hybrid_has_fuel_and_battery(simulator, token) -> None:
    assert await _get(simulator, TOYOTA + "/fuel", token) == (
        200,
        {"amountRemaining": 39.6, "percentRemaining": 0.72, "range": 660.0},
    )
    assert await _get(simulator, TOYOTA + "/charge", token) == (
        200,
        {"isPluggedIn": False, "state": "NOT_CHARGING"},
    )
    _, body = await _get(simulator, TOYOTA + "/security", token)
    assert body["chargingPort"] == [{"type": "chargingPort", "status": "CLOSED"}]


async def test_imperial_units(simulator, token) -> None:
    imperial = {"headers": {"SC-Unit-System": "imperial"}}
    assert (await _get(simulator, FORD + "/odometer", token, **imperial))[1] == {
        "distance": 40321.0
    }
    assert (await _get(simulator, FORD + "/tires/pressure", token, **imperial))[1] == {
        "frontLeft": 34.5,
        "frontRight": 34.8,
        "backLeft": 34.2,
        "backRight": 34.7,
    }
    assert (await _get(simulator, FORD + "/fuel", token, **imperial))[1] == {
        "amountRemaining": 22.99,
        "percentRemaining": 0.64,
        "range": 436.2,
    }
    assert (await _get(simulator, VW + "/battery", token, **imperial))[1] == {
        "percentRemaining": 0.55,
        "range": 151.4,
    }
    response = await simulator.api(
        "GET", FORD + "/location", token, headers={"SC-Unit-System": "IMPERIAL"}
    )
    assert response.headers["SC-Unit-System"] == "imperial"
    assert await response.json() == {"latitude": 37.5485, "longitude": -121.9886}


async def test_unknown_unit_system_is_invalid(simulator, token) -> None:
    status, body = await _get(
        simulator, FORD + "/odometer", token, headers={"SC-Unit-System": "nautical"}
    )
    assert status == 400
    assert (body["type"], body["code"]) == ("VALIDATION", "PARAMETER")
    assert body["detail"] == [{"message": "SC-Unit-System must be metric or imperial."}]


async def test_data_headers(simulator, token) -> None:
    simulator.clock.now += 30
    response = await simulator.api("GET", FORD + "/odometer", token)
    assert response.headers["SC-Data-Age"] == RECORDED_ISO
    assert response.headers["SC-Fetched-At"] == "2026-09-21T14:13:50.000Z"
    assert response.headers["SC-Unit-System"] == "metric"
    assert len(response.headers["SC-Request-Id"]) == 36
    static = await simulator.api("GET", FORD + "/vin", token)
    assert "SC-Data-Age" not in static.headers
    assert "SC-Request-Id" in static.headers
    other = await simulator.api("GET", FORD + "/vin", token)
    assert other.headers["SC-Request-Id"] != static.headers["SC-Request-Id"]


async def test_charging_car_data_is_fresh(simulator, token) -> None:
    simulator.clock.now += 60
    response = await simulator.api("GET", TESLA + "/charge", token)
    assert response.headers["SC-Data-Age"] == "2026-09-21T14:14:20.000Z"
    assert await response.json() == {"isPluggedIn": True, "state": "CHARGING"}


async def test_service_history_defaults_to_last_year(simulator, token) -> None:
    status, body = await _get(simulator, FORD + "/service/history", token)
    assert status == 200
    assert [record["serviceDate"] for record in body] == [
        "2026-04-24T14:13:20.000Z",
        "2025-10-26T14:13:20.000Z",
    ]
    assert body[0] == {
        "serviceId": 1,
        "serviceDate": "2026-04-24T14:13:20.000Z",
        "odometerDistance": 58200.0,
        "serviceTasks": [
            {"taskId": "1", "taskDescription": "oil change"},
            {"taskId": "2", "taskDescription": "filter"},
        ],
        "serviceDetails": {"type": "dealership"},
        "serviceCost": {"totalCost": 89.5, "currency": "USD"},
    }


async def test_service_history_date_filters(simulator, token) -> None:
    history = FORD + "/service/history"
    _, body = await _get(simulator, history, token, params={"startDate": "2026-01-01"})
    assert [record["serviceId"] for record in body] == [1]
    _, body = await _get(
        simulator,
        history,
        token,
        params={"startDate": "2025-01-01T00:00:00.000Z", "endDate": "2026-01-01"},
    )
    assert [record["serviceId"] for record in body] == [2]
    status, body = await _get(simulator, history, token, params={"endDate": "yesterday"})
    assert status == 400
    assert body["detail"] == [{"message": "endDate must be YYYY-MM-DD or an ISO 8601 time."}]


async def test_vehicles_paging(simulator, token) -> None:
    status, body = await _get(simulator, "/vehicles", token, params={"limit": "2", "offset": "1"})
    assert status == 200
    assert body == {
        "vehicles": [VOLKSWAGEN_ID4_ID, FORD_F150_ID],
        "paging": {"count": 4, "offset": 1},
    }


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "51"}, {"offset": "-1"}, {"limit": "ten"}]
)
async def test_invalid_paging(simulator, token, params) -> None:
    status, body = await _get(simulator, "/vehicles", token, params=params)
    assert status == 400
    assert (body["type"], body["code"]) == ("VALIDATION", "PARAMETER")


async def test_permissions_paging(simulator) -> None:
    token = await simulator.access_token(scope="read_vin read_odometer required:read_battery")
    _, body = await _get(simulator, TESLA + "/permissions", token)
    assert body == {
        "permissions": ["read_battery", "read_odometer", "read_vin"],
        "paging": {"count": 3, "offset": 0},
    }
    _, body = await _get(
        simulator, TESLA + "/permissions", token, params={"limit": "1", "offset": "2"}
    )
    assert body == {"permissions": ["read_vin"], "paging": {"count": 3, "offset": 2}}


async def test_authentication_errors(simulator) -> None:
    for token in (None, "not-a-token"):
        response = await simulator.api("GET", FORD + "/odometer", token)
        body = await response.json()
        assert response.status == 401
        assert response.content_type == "application/json"
        assert body == {
            "type": "AUTHENTICATION",
            "code": None,
            "description": "The authorization header is missing or the access token is invalid or expired.",
            "docURL": "https://smartcar.com/docs/errors/api-errors/authentication-errors",
            "statusCode": 401,
            "requestId": response.headers["SC-Request-Id"],
            "resolution": {"type": "REAUTHENTICATE"},
            "suggestedUserMessage": body["suggestedUserMessage"],
        }
    for path in ("/vehicles", "/user"):
        assert (await simulator.api("GET", path, None)).status == 401


async def test_missing_permission(simulator) -> None:
    token = await simulator.access_token(scope="read_vehicle_info")
    status, body = await _get(simulator, FORD + "/odometer", token)
    assert status == 403
    assert (body["type"], body["code"], body["statusCode"]) == ("PERMISSION", None, 403)
    assert await _get(simulator, FORD, token) == (
        200,
        {"id": FORD_F150_ID, "make": "FORD", "model": "F-150", "year": 2021},
    )


async def test_car_outside_the_token_is_a_permission_error(simulator) -> None:
    token = await simulator.access_token(sim_approve=FORD_F150_ID)
    for path in (TESLA + "/odometer", "/vehicles/unknown-car/odometer"):
        status, body = await _get(simulator, path, token)
        assert status == 403
        assert body["type"] == "PERMISSION"


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", FORD + "/nothing", "PATH"),
        ("GET", FORD + "/odometer/", "PATH"),
        ("PUT", FORD + "/odometer", "PATH"),
        ("POST", FORD + "/webhooks/", "PATH"),
        ("POST", "/vehicles", "PATH"),
        ("GET", "/users", "PATH"),
    ],
)
async def test_unknown_paths(simulator, token, method, path, code) -> None:
    response = await simulator.api(method, path, token)
    body = await response.json()
    assert response.status == 404
    assert (body["type"], body["code"]) == ("RESOURCE_NOT_FOUND", code)
    assert body["docURL"] == doc_url("RESOURCE_NOT_FOUND", code)


async def test_unknown_version(simulator, token) -> None:
    response = await simulator.session.get(
        "/smartcar/api/v1.0/vehicles", headers={"Authorization": f"Bearer {token}"}
    )
    body = await response.json()
    assert response.status == 404
    assert (body["type"], body["code"]) == ("RESOURCE_NOT_FOUND", "VERSION")
    assert (
        body["docURL"]
        == "https://smartcar.com/docs/errors/api-errors/resource-not-found-errors#version"
    )


async def test_body_must_be_json(simulator, token) -> None:
    response = await simulator.api("POST", FORD + "/security", token, data=b"{nope")
    body = await response.json()
    assert response.status == 400
    assert (body["type"], body["code"]) == ("VALIDATION", None)


@pytest.mark.parametrize(
    ("path", "capable"),
    [
        (TESLA + "/fuel", False),
        (TESLA + "/engine/oil", False),
        (FORD + "/battery", False),
        (FORD + "/charge", False),
        (FORD + "/battery/nominal_capacity", False),
        (TOYOTA + "/charge/limit", False),
        (TOYOTA + "/engine/oil", True),
    ],
)
async def test_capabilities(simulator, token, path, capable) -> None:
    status, body = await _get(simulator, path, token)
    if capable:
        assert status == 200
    else:
        assert status == 501
        assert (body["type"], body["code"]) == ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")


async def test_asleep_car_refuses_reads_but_not_static_data(simulator, token) -> None:
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"asleep": True})
    status, body = await _get(simulator, FORD + "/odometer", token)
    assert status == 409
    assert body["type"] == "VEHICLE_STATE"
    assert body["code"] == "ASLEEP"
    assert (
        body["docURL"] == "https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#asleep"
    )
    assert (await _get(simulator, FORD + "/vin", token))[0] == 200


async def test_batch_with_failing_and_unknown_items(simulator, token) -> None:
    requests = [
        {"path": "/odometer"},
        {"path": "/battery"},
        {"path": "/service/history?startDate=2026-01-01"},
        {"path": "/nowhere"},
    ]
    response = await simulator.api(
        "POST",
        FORD + "/batch",
        token,
        json={"requests": requests},
        headers={"SC-Unit-System": "imperial"},
    )
    body = await response.json()
    assert response.status == 200
    odometer, battery, history, nowhere = body["responses"]
    assert odometer == {
        "path": "/odometer",
        "code": 200,
        "headers": {
            "sc-unit-system": "imperial",
            "sc-data-age": RECORDED_ISO,
            "sc-fetched-at": START_ISO,
        },
        "body": {"distance": 40321.0},
    }
    assert battery["code"] == 501
    assert battery["headers"] == {}
    assert battery["body"]["type"] == "COMPATIBILITY"
    assert battery["body"]["requestId"] == response.headers["SC-Request-Id"]
    assert history["code"] == 200
    assert [record["odometerDistance"] for record in history["body"]] == [36163.8]
    assert nowhere["code"] == 404
    assert nowhere["body"]["code"] == "PATH"
    stats = await (await simulator.control("GET", "/stats")).json()
    assert stats["vehicles"][FORD_F150_ID] == {
        "requests": 1,
        "billable": 3,
        "by_path": {"/odometer": 1, "/battery": 1, "/service/history": 1},
    }


@pytest.mark.parametrize(
    "body",
    [None, {}, {"requests": []}, {"requests": ["/odometer"]}, {"requests": [{"path": 1}]}],
)
async def test_invalid_batch(simulator, token, body) -> None:
    response = await simulator.api("POST", FORD + "/batch", token, json=body)
    error = await response.json()
    assert response.status == 400
    assert (error["type"], error["code"]) == ("VALIDATION", "PARAMETER")


async def test_webhooks(simulator, token) -> None:
    response = await simulator.api("POST", FORD + "/webhooks/hook-1", token)
    assert await response.json() == {"vehicleId": FORD_F150_ID, "webhookId": "hook-1"}
    response = await simulator.api(
        "DELETE", FORD + "/webhooks/hook-1", "sim-application-management-token"
    )
    assert response.status == 200
    assert await response.json() == {"status": "success"}
    response = await simulator.api("DELETE", FORD + "/webhooks/hook-1", token)
    assert response.status == 401
    response = await simulator.api(
        "DELETE", "/vehicles/unknown/webhooks/hook-1", "sim-application-management-token"
    )
    assert response.status == 403


async def test_disconnect_revokes_the_car(simulator, token) -> None:
    tesla_only = await simulator.access_token(sim_approve=TESLA_MODEL_3_ID)
    response = await simulator.api("DELETE", FORD + "/application", token)
    assert await response.json() == {"status": "success"}
    _, body = await _get(simulator, "/vehicles", token)
    assert FORD_F150_ID not in body["vehicles"]
    assert body["paging"]["count"] == 3
    assert (await _get(simulator, FORD + "/odometer", token))[0] == 403
    assert (await _get(simulator, "/vehicles", tesla_only))[1]["vehicles"] == [TESLA_MODEL_3_ID]
