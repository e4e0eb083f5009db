"""Smartcar Vehicle API v3: connections, the vehicle, signal shapes, paging and errors."""

import asyncio

import pytest
from yarl import URL

from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID, TOYOTA_RAV4_PRIME_ID, VOLKSWAGEN_ID4_ID
from simulator.smartcar.accounts import user_id
from simulator.smartcar.errors import doc_url
from simulator.smartcar_v3.signals import CODES

from .conftest import API

CARS = (TESLA_MODEL_3_ID, VOLKSWAGEN_ID4_ID, FORD_F150_ID, TOYOTA_RAV4_PRIME_ID)
RECORDED_ISO = "2026-09-21T14:11:20.000Z"  # the garage records its data 2 minutes before start
NOW_ISO = "2026-09-21T14:13:20.000Z"
RECORDED = 1_790_000_000 - 120


def ok(item) -> dict:
    assert item["attributes"]["status"] == {"value": "SUCCESS"}, item
    return item["attributes"]["body"]


def error_of(item) -> tuple[str, str | None]:
    status = item["attributes"]["status"]
    assert status["value"] == "ERROR", item
    return status["error"]["type"], status["error"]["code"]


async def test_connections_list_every_car_of_the_user(v3) -> None:
    status, body = await v3.get("/connections")
    assert status == 200
    assert body["meta"] == {
        "pageNumber": 1,
        "pageSize": 10,
        "totalCount": 4,
        "orderBy": "createdAt",
        "orderDirection": "DESC",
    }
    assert body["links"]["next"] is None
    assert body["links"]["prev"] is None
    by_car = {c["relationships"]["vehicle"]["data"]["id"]: c for c in body["data"]}
    assert set(by_car) == set(CARS)
    tesla = by_car[TESLA_MODEL_3_ID]
    assert tesla["type"] == "connection"
    assert tesla["attributes"]["vehicle"] == {
        "make": "TESLA",
        "model": "Model 3",
        "year": 2022,
        "powertrainType": "BEV",
        "mode": "live",
    }
    assert tesla["attributes"]["user"] == {"id": v3.user_id}
    assert tesla["relationships"]["user"]["data"] == {"id": v3.user_id, "type": "user"}
    assert "control_security" in tesla["attributes"]["permissions"]
    assert tesla["meta"] == {"createdAt": NOW_ISO, "updatedAt": NOW_ISO}
    assert tesla["links"]["self"].endswith(f"{API}/connections/{tesla['id']}")
    powertrains = {car: c["attributes"]["vehicle"]["powertrainType"] for car, c in by_car.items()}
    assert powertrains[FORD_F150_ID] == "ICE"
    assert powertrains[TOYOTA_RAV4_PRIME_ID] == "PHEV"


async def test_connections_page_and_filter(v3) -> None:
    other = await v3.connect(sim_user="other", sim_approve=FORD_F150_ID)
    status, body = await v3.get("/connections", user="-")  # no filter: both users
    assert body["meta"]["totalCount"] == 5
    status, body = await v3.get("/connections", user="-", params={"filter[userId]": other})
    assert [c["attributes"]["user"]["id"] for c in body["data"]] == [other]
    params = {"filter[vehicleId]": FORD_F150_ID}
    status, body = await v3.get("/connections", user="-", params=params)
    assert {c["attributes"]["user"]["id"] for c in body["data"]} == {other, v3.user_id}
    status, body = await v3.get("/connections", params={"page[number]": "2", "page[size]": "3"})
    assert status == 200
    assert len(body["data"]) == 1
    assert body["links"]["next"] is None
    assert URL(body["links"]["prev"]).query["page[number]"] == "1"
    status, body = await v3.get("/connections", params={"page[size]": "3"})
    assert URL(body["links"]["next"]).query["page[number]"] == "2"
    assert URL(body["links"]["last"]).query["page[number]"] == "2"


@pytest.mark.parametrize(
    "params",
    [
        {"page[number]": "0"},
        {"page[size]": "101"},
        {"page[size]": "ten"},
        {"filter[vehicle.mode]": "test"},
    ],
)
async def test_connections_refuse_bad_parameters(v3, params) -> None:
    status, body = await v3.get("/connections", params=params)
    assert status == 400
    assert (body["type"], body["code"], body["status"]) == ("VALIDATION", "PARAMETER", "400")


async def test_errors_are_worded_in_v3s_shape(v3) -> None:
    status, body = await v3.get("/connections", token="stale")
    assert status == 401
    assert body.keys() == {
        "type",
        "code",
        "title",
        "detail",
        "status",
        "resolution",
        "suggestedUserMessage",
        "links",
        "meta",
    }
    assert (body["type"], body["code"], body["title"]) == ("AUTHENTICATION", None, "Authentication")
    assert body["resolution"] == {"type": "REAUTHENTICATE"}
    assert body["links"] == {"about": doc_url("AUTHENTICATION", None)}
    assert body["meta"]["requestId"]


async def test_the_vehicle(v3) -> None:
    status, body = await v3.get(f"/vehicles/{VOLKSWAGEN_ID4_ID}", user="-")
    assert status == 200
    assert body["data"]["attributes"] == {
        "make": "VOLKSWAGEN",
        "model": "ID.4",
        "year": 2023,
        "powertrainType": "BEV",
        "mode": "live",
    }
    assert body["data"]["links"]["self"].endswith(f"{API}/vehicles/{VOLKSWAGEN_ID4_ID}")
    status, body = await v3.get("/vehicles/YV1EF5KA6SE314159", user="-")  # a Volvo
    assert (status, body["type"]) == (403, "PERMISSION")


async def test_every_signal_of_a_charging_ev(v3) -> None:
    body = await v3.signals(TESLA_MODEL_3_ID)
    assert [item["id"] for item in body["data"]] == CODES
    assert body["meta"] == {"totalCount": len(CODES), "pageSize": len(CODES), "pageNumber": 1}
    assert "next" not in body["links"]
    assert body["included"]["vehicle"]["attributes"]["make"] == "TESLA"
    signals = {item["id"]: item for item in body["data"]}
    battery = signals["tractionbattery-stateofcharge"]
    assert battery["type"] == "signal"
    assert battery["attributes"]["name"] == "StateOfCharge"
    assert battery["attributes"]["group"] == "TractionBattery"
    # A charging car records its state as it charges: up to now.
    assert battery["meta"] == {
        "ingestedAt": NOW_ISO,
        "retrievedAt": NOW_ISO,
        "oemUpdatedAt": NOW_ISO,
    }
    assert ok(battery) == {"value": 62.0, "unit": "percent"}
    assert ok(signals["tractionbattery-range"]) == {
        "value": 330.5,
        "type": "DEFAULT",
        "additionalValues": [],
        "unit": "km",
    }
    assert ok(signals["tractionbattery-nominalcapacity"]) == {
        "capacity": 75.0,
        "source": "SMARTCAR",
        "availableCapacities": [{"capacity": 75.0, "description": None}],
        "unit": "kWh",
    }
    assert ok(signals["charge-chargelimits"]) == {
        "values": [{"type": "GLOBAL", "limit": 80, "condition": None}],
        "activeLimit": 80,
        "unit": "percent",
    }
    assert ok(signals["charge-detailedchargingstatus"]) == {"value": "CHARGING"}
    assert ok(signals["charge-ischarging"]) == {"value": True}
    assert ok(signals["charge-ischargingcableconnected"]) == {"value": True}
    assert ok(signals["charge-isfastchargerpresent"]) == {"value": False}
    assert ok(signals["charge-ischargingportflapopen"]) == {"value": True}
    assert ok(signals["charge-wattage"]) == {"value": 11000.0, "unit": "watts"}
    assert ok(signals["charge-voltage"]) == {"value": 240.0, "unit": "volts"}
    assert ok(signals["charge-amperage"]) == {"value": 45.8, "unit": "ampere"}
    assert ok(signals["charge-chargerate"]) == {"value": 78.2, "unit": "km/h"}
    assert ok(signals["charge-timetocomplete"]) == {"value": 74, "unit": "min"}
    assert ok(signals["closure-islocked"]) == {"value": True}
    assert ok(signals["closure-doors"]) == {
        "values": [
            {"row": 0, "column": 0, "isOpen": False, "isLocked": True},
            {"row": 0, "column": 1, "isOpen": False, "isLocked": True},
            {"row": 1, "column": 0, "isOpen": False, "isLocked": True},
            {"row": 1, "column": 1, "isOpen": False, "isLocked": True},
        ],
        "rowCount": 2,
        "columnCount": 2,
    }
    windows = ok(signals["closure-windows"])
    assert windows["values"][0] == {"row": 0, "column": 0, "isOpen": False}
    assert ok(signals["closure-fronttrunk"]) == {"isOpen": False, "isLocked": True}
    assert ok(signals["closure-reartrunk"]) == {"isOpen": False, "isLocked": True}
    assert ok(signals["location-preciselocation"]) == {
        "latitude": 37.4443,
        "longitude": -122.1598,
        "locationType": "LAST_PARKED",
    }
    assert ok(signals["odometer-traveleddistance"]) == {"value": 28450.6, "unit": "km"}
    assert ok(signals["wheel-tires"]) == {
        "values": [
            {"row": 0, "column": 0, "tirePressure": 248},
            {"row": 0, "column": 1, "tirePressure": 248},
            {"row": 1, "column": 0, "tirePressure": 245},
            {"row": 1, "column": 1, "tirePressure": 246},
        ],
        "rowCount": 2,
        "columnCount": 2,
        "unit": "kPa",
    }
    vin = signals["vehicleidentification-vin"]
    assert ok(vin) == {"value": "5YJ3E1EB7NF184263"}
    assert vin["meta"] == {"ingestedAt": NOW_ISO}  # an attribute: no time the car recorded it
    for code in ("closure-sunroof", "closure-enginecover", "internalcombustionengine-fuellevel"):
        assert error_of(signals[code]) == ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"), code
        assert "body" not in signals[code]["attributes"]
        assert signals[code]["meta"] == {"ingestedAt": NOW_ISO}


async def test_signals_of_a_combustion_car_and_a_plug_in_hybrid(v3) -> None:
    ford = await v3.signal_map(FORD_F150_ID)
    assert ok(ford["internalcombustionengine-fuellevel"]) == {"value": 64.0, "unit": "percent"}
    assert ok(ford["internalcombustionengine-amountremaining"]) == {
        "value": 87.04,
        "unit": "liters",
    }
    assert ok(ford["internalcombustionengine-range"]) == {"value": 701.9, "unit": "km"}
    assert ok(ford["internalcombustionengine-oillife"]) == {"value": 47.0, "unit": "percent"}
    assert ok(ford["closure-sunroof"]) == {"isOpen": False}
    assert ok(ford["closure-enginecover"]) == {"isOpen": False}
    assert error_of(ford["tractionbattery-stateofcharge"]) == (
        "COMPATIBILITY",
        "VEHICLE_NOT_CAPABLE",
    )
    assert error_of(ford["charge-ischargingportflapopen"])[0] == "COMPATIBILITY"
    assert error_of(ford["closure-fronttrunk"])[0] == "COMPATIBILITY"
    toyota = await v3.signal_map(TOYOTA_RAV4_PRIME_ID)
    assert error_of(toyota["charge-chargelimits"])[0] == "COMPATIBILITY"
    assert ok(toyota["charge-ischargingcableconnected"]) == {"value": False}
    vw = await v3.signal_map(VOLKSWAGEN_ID4_ID)
    limits = ok(vw["charge-chargelimits"])
    assert limits["activeLimit"] == 90
    await v3.sim.control(
        "PATCH", f"/vehicles/{VOLKSWAGEN_ID4_ID}", {"charge": {"plugged_in": False}}
    )
    vw = await v3.signal_map(VOLKSWAGEN_ID4_ID)
    assert ok(vw["charge-chargelimits"])["activeLimit"] is None  # known only while plugged in


async def test_charging_signals_keep_a_stale_value_while_not_charging(v3) -> None:
    signals = await v3.signal_map(VOLKSWAGEN_ID4_ID)
    for code in ("charge-wattage", "charge-chargerate", "charge-timetocomplete"):
        item = signals[code]
        assert error_of(item) == ("VEHICLE_STATE", "NOT_CHARGING")
        error = item["attributes"]["status"]["error"]
        assert error["title"] == "Not Charging"
        assert error["description"] == "Deprecated. Use detail"
        assert error["resolution"] == {"type": "UNKNOWN_RESOLUTION_TYPE"}
        assert "value" in item["attributes"]["body"]
        assert "oemUpdatedAt" in item["meta"]


async def test_a_signal_the_grant_lacks_asks_to_reconnect(v3) -> None:
    user = await v3.connect(sim_user="few", scope="read_odometer")
    _, body = await v3.get(f"/vehicles/{TESLA_MODEL_3_ID}/signals", user=user)
    signals = {item["id"]: item for item in body["data"]}
    assert ok(signals["odometer-traveleddistance"])["value"] == 28450.6
    location = signals["location-preciselocation"]
    assert error_of(location) == ("PERMISSION", "UNKNOWN")
    assert location["attributes"]["status"]["error"]["resolution"] == {"type": "REAUTHENTICATE"}
    assert location["meta"] == {"ingestedAt": NOW_ISO}


@pytest.mark.parametrize(
    ("timestamps", "recorded", "now"),
    [
        ("iso", RECORDED_ISO, NOW_ISO),
        ("seconds", RECORDED, RECORDED + 120),
        ("milliseconds", RECORDED * 1000, (RECORDED + 120) * 1000),
    ],
)
async def test_timestamps_in_three_forms(v3, timestamps, recorded, now) -> None:
    await v3.settings(timestamps=timestamps)
    odometer = (await v3.signal_map(FORD_F150_ID))["odometer-traveleddistance"]
    assert odometer["meta"] == {"ingestedAt": now, "retrievedAt": now, "oemUpdatedAt": recorded}


async def test_signals_in_pages(v3) -> None:
    await v3.settings(page_size=10)
    first = await v3.signals(FORD_F150_ID)
    assert first["meta"] == {"totalCount": len(CODES), "pageSize": 10, "pageNumber": 1}
    codes = [item["id"] for item in first["data"]]
    link = URL(first["links"]["next"])
    while True:
        assert link.path == f"{API}/vehicles/{FORD_F150_ID}/signals"
        page = await v3.signals(FORD_F150_ID, **link.query)
        codes += [item["id"] for item in page["data"]]
        if "next" not in page["links"]:
            break
        link = URL(page["links"]["next"])
    assert codes == CODES
    page = await v3.signals(FORD_F150_ID, pageSize=50)
    assert len(page["data"]) == len(CODES)
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals", params={"page": "x"})
    assert (status, body["code"]) == (400, "PARAMETER")


async def test_a_car_never_subscribed_has_an_empty_store_until_subscribed(v3) -> None:
    await v3.settings(unsubscribed=[FORD_F150_ID])
    body = await v3.signals(FORD_F150_ID)
    assert (body["data"], body["meta"]["totalCount"]) == ([], 0)
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals/odometer-traveleddistance")
    assert (status, body["code"]) == (404, "SIGNAL_NOT_FOUND")
    subscription = {"webhookId": "hook", "userId": v3.user_id, "vehicleId": FORD_F150_ID}
    response = await v3.sim.session.post(
        "/smartcar/management/v3/subscriptions",
        json={"data": {"attributes": subscription}},
        headers={"Authorization": f"Bearer {v3.token}"},
    )
    assert response.status == 202
    assert await response.json() == {"meta": {"message": "subscription creation in progress"}}
    assert len((await v3.signals(FORD_F150_ID))["data"]) == len(CODES)
    response = await v3.sim.session.post(
        "/smartcar/management/v3/subscriptions",
        json={"data": {"attributes": subscription}},
        headers={"Authorization": f"Bearer {v3.token}"},
    )
    assert response.status == 409
    assert (await response.json())["status"] == "409"


@pytest.mark.parametrize(
    ("body", "status", "error_type"),
    [
        ("{", 400, "VALIDATION"),
        ({"data": {}}, 400, "VALIDATION"),
        ({"data": {"attributes": {"webhookId": "hook", "userId": "x"}}}, 400, "VALIDATION"),
        (
            {"data": {"attributes": {"webhookId": "h", "userId": "x", "vehicleId": FORD_F150_ID}}},
            403,
            "PERMISSION",
        ),
    ],
)
async def test_subscriptions_refuse_bad_requests(v3, body, status, error_type) -> None:
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    response = await v3.sim.session.post(
        "/smartcar/management/v3/subscriptions",
        headers={"Authorization": f"Bearer {v3.token}"},
        **kwargs,
    )
    assert response.status == status
    assert (await response.json())["type"] == error_type


async def test_management_knows_no_other_path(v3) -> None:
    response = await v3.sim.session.get(
        "/smartcar/management/v3/webhooks", headers={"Authorization": f"Bearer {v3.token}"}
    )
    assert response.status == 404
    assert (await response.json())["code"] == "PATH"


async def test_one_signal(v3) -> None:
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals/vehicleidentification-vin")
    assert status == 200
    assert ok(body["data"]) == {"value": "1FTFW1E5XMFA93518"}
    assert body["included"]["vehicle"]["id"] == FORD_F150_ID
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals/vin")
    assert (status, body["code"]) == (404, "SIGNAL_NOT_FOUND")
    assert body["detail"] == f"Signal with code vin not found for vehicle with ID {FORD_F150_ID}"


async def test_signals_need_the_user_and_their_connection(v3) -> None:
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals", user="-")
    assert status == 400
    assert (body["type"], body["code"], body["detail"]) == (
        "VALIDATION",
        "MISSING_PARAMETER",
        "missing userId",
    )
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals", user=user_id("stranger"))
    assert (status, body["type"]) == (403, "PERMISSION")
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals", token="stale")
    assert (status, body["type"]) == (401, "AUTHENTICATION")


async def test_a_fault_on_one_signal_fails_only_that_signal(v3) -> None:
    await v3.inject(
        vehicle_id=TESLA_MODEL_3_ID,
        path="/signals/charge-wattage",
        type="VEHICLE_STATE",
        code="ASLEEP",
    )
    await v3.inject(path="/signals/closure-islocked", type="UPSTREAM", code="NO_RESPONSE")
    await v3.inject(path="/signals/closure-sunroof", type="VEHICLE_STATE", code="UNREACHABLE")
    signals = await v3.signal_map(TESLA_MODEL_3_ID)
    assert error_of(signals["charge-wattage"]) == ("VEHICLE_STATE", "ASLEEP")
    assert signals["charge-wattage"]["attributes"]["body"]["value"] == 11000.0  # stale
    assert error_of(signals["closure-islocked"]) == ("UPSTREAM", "NO_RESPONSE")
    assert "body" not in signals["closure-islocked"]["attributes"]
    assert error_of(signals["closure-sunroof"]) == ("VEHICLE_STATE", "UNREACHABLE")
    assert "body" not in signals["closure-sunroof"]["attributes"]  # the Tesla has none
    assert ok(signals["closure-doors"])["rowCount"] == 2
    await v3.inject(
        vehicle_id=VOLKSWAGEN_ID4_ID,
        path="/signals/charge-chargerate",
        type="VEHICLE_STATE",
        code="ASLEEP",
    )
    vw = await v3.signal_map(VOLKSWAGEN_ID4_ID)
    assert error_of(vw["charge-wattage"]) == ("VEHICLE_STATE", "NOT_CHARGING")  # not injected
    assert error_of(vw["charge-chargerate"]) == ("VEHICLE_STATE", "ASLEEP")
    assert vw["charge-chargerate"]["attributes"]["body"]["unit"] == "km/h"  # stale
    status, body = await v3.get(f"/vehicles/{TESLA_MODEL_3_ID}/signals/charge-wattage")
    assert status == 200
    assert error_of(body["data"]) == ("VEHICLE_STATE", "ASLEEP")


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [
        ({"type": "RATE_LIMIT", "code": "VEHICLE", "retry_after": 30}, 429, "30"),
        ({"type": "RATE_LIMIT", "code": "SMARTCAR_API"}, 429, "60"),
        ({"type": "BILLING", "code": "VEHICLE_REQUEST_LIMIT"}, 430, None),
        ({"type": "VALIDATION", "code": "MISSING_PARAMETER"}, 400, None),
        ({"type": "SERVER", "code": "INTERNAL", "status": 503}, 503, None),
    ],
)
async def test_a_fault_on_the_signals_fails_the_request(v3, fault, status, retry_after) -> None:
    await v3.inject(path="/signals", times=1, **fault)
    response = await v3.api("GET", f"/vehicles/{FORD_F150_ID}/signals")
    body = await response.json()
    assert response.status == status
    assert (body["type"], body["code"], body["status"]) == (
        fault["type"],
        fault["code"],
        str(status),
    )
    assert response.headers.get("Retry-After") == retry_after
    assert response.headers["SC-Request-Id"] == body["meta"]["requestId"]


async def test_broken_and_hanging_answers(v3) -> None:
    await v3.inject(path="/connections", type="MALFORMED", code=None, times=1)
    response = await v3.api("GET", "/connections")
    assert await response.text() == '{"truncated": [1, 2'
    await v3.inject(path="/connections", type="TIMEOUT", code=None, times=1)
    pending = asyncio.ensure_future(v3.api("GET", "/connections"))
    await asyncio.sleep(0.05)
    assert not pending.done()
    await v3.sim.control("DELETE", "/errors")
    assert (await pending).status == 200


@pytest.mark.parametrize(
    ("path", "code"),
    [("/v3/nothing", "PATH"), ("/v2.0/vehicles", "VERSION")],
)
async def test_unknown_paths(v3, path, code) -> None:
    response = await v3.sim.session.get(f"/smartcar/vehicle{path}")
    body = await response.json()
    assert (response.status, body["type"], body["code"]) == (404, "RESOURCE_NOT_FOUND", code)


async def test_requests_and_calls_are_counted(v3) -> None:
    await v3.sim.control("DELETE", "/stats")
    await v3.get("/connections")
    await v3.signals(FORD_F150_ID)
    await v3.get(f"/vehicles/{FORD_F150_ID}", user="-")
    await v3.api("POST", f"/vehicles/{FORD_F150_ID}/commands/security/lock")
    stats = await (await v3.sim.control("GET", "/stats?provider=smartcar_v3")).json()
    assert stats["totals"] == {"requests": 4, "billable": 3}  # listing connections is free
    assert stats["vehicles"][FORD_F150_ID]["by_path"] == {
        "/signals": 1,
        "/": 1,
        "/commands/security/lock": 1,
    }
    assert set(stats["vehicles"]) == set(CARS)


async def test_subscriptions_are_listed_and_deleted(v3) -> None:
    headers = {"Authorization": f"Bearer {v3.token}"}
    path = "/smartcar/management/v3/subscriptions"
    subscription = {"webhookId": "hook", "userId": v3.user_id, "vehicleId": FORD_F150_ID}
    response = await v3.sim.session.post(
        path, json={"data": {"attributes": subscription}}, headers=headers
    )
    assert response.status == 202
    query = {"filter[webhookId]": "hook", "filter[userId]": v3.user_id}
    response = await v3.sim.session.get(path, params=query, headers=headers)
    body = await response.json()
    [item] = body["data"]
    assert item["type"] == "subscription"
    assert item["relationships"]["webhook"]["data"] == {"type": "webhook", "id": "hook"}
    assert item["relationships"]["vehicle"]["data"] == {"type": "vehicle", "id": FORD_F150_ID}
    assert item["relationships"]["user"]["data"]["id"] == v3.user_id
    assert item["attributes"]["vehicle"]["make"] == "FORD"
    assert body["meta"]["totalCount"] == 1
    other = {"filter[vehicleId]": "another-car"}
    response = await v3.sim.session.get(path, params=other, headers=headers)
    assert (await response.json())["data"] == []
    response = await v3.sim.session.delete(f"{path}/{item['id']}", headers=headers)
    assert response.status == 200
    response = await v3.sim.session.get(path, params=query, headers=headers)
    assert (await response.json())["data"] == []
    response = await v3.sim.session.delete(f"{path}/{item['id']}", headers=headers)
    assert response.status == 404
