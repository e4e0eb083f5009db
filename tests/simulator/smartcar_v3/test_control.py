"""Control API for Smartcar v3: settings, faults named for smartcar_v3, stats."""

import pytest

from simulator.garage import FORD_F150_ID

VOLVO_VIN = "YV1EF5KA6SE314159"


async def test_settings_show_and_change(v3) -> None:
    settings = await (await v3.sim.control("GET", "/smartcar-v3")).json()
    assert {key: settings[key] for key in ("timestamps", "page_size", "unsubscribed")} == {
        "timestamps": "iso",
        "page_size": None,
        "unsubscribed": [],
    }
    assert (settings["command_status"], settings["command_delay"]) == (200, 0.0)
    assert len(settings["connections"]) == 4
    changed = await v3.settings(
        timestamps="milliseconds",
        page_size=5,
        command_status=202,
        command_delay=1.5,
        unsubscribed=[FORD_F150_ID],
    )
    assert changed["page_size"] == 5
    assert changed["unsubscribed"] == [FORD_F150_ID]
    changed = await v3.settings(page_size=None)
    assert changed["page_size"] is None
    await v3.sim.control("POST", "/reset")
    settings = await (await v3.sim.control("GET", "/smartcar-v3")).json()
    assert (settings["connections"], settings["timestamps"]) == ([], "iso")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "settings: unknown keys colour"),
        ({"timestamps": "hours"}, "timestamps must be one of iso, milliseconds, seconds"),
        ({"page_size": 0}, "page_size must be an integer from 1 to 100"),
        ({"command_status": 201}, "command_status must be 200 or 202"),
        ({"command_status": True}, "command_status must be 200 or 202"),
        ({"command_delay": -1}, "command_delay must be a number from 0 to 600"),
        ({"unsubscribed": FORD_F150_ID}, "unsubscribed must be a list of vehicle ids"),
        ({"unsubscribed": [VOLVO_VIN]}, f"unsubscribed: {VOLVO_VIN} is not a Smartcar car"),
        ({"timestamps": "seconds", "page_size": 0}, "page_size must be an integer"),
    ],
)
async def test_settings_refuse_what_is_wrong_and_change_nothing(v3, changes, message) -> None:
    response = await v3.sim.control("PATCH", "/smartcar-v3", changes)
    assert response.status == 400
    assert message in (await response.json())["error"]
    settings = await (await v3.sim.control("GET", "/smartcar-v3")).json()
    assert settings["timestamps"] == "iso"


async def test_settings_need_json(v3) -> None:
    response = await v3.sim.session.patch("/_simulator/smartcar-v3", data="{")
    assert response.status == 400


async def test_faults_for_smartcar_v3_name_smartcar_cars(v3) -> None:
    response = await v3.sim.control(
        "POST",
        "/errors",
        {"provider": "smartcar_v3", "vehicle_id": VOLVO_VIN, "type": "SERVER", "code": "INTERNAL"},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "vehicle_id is not a smartcar_v3 car"
    await v3.inject(vehicle_id=FORD_F150_ID, type="RESOURCE_NOT_FOUND", code="SIGNAL_NOT_FOUND")
    status, body = await v3.get(f"/vehicles/{FORD_F150_ID}/signals")
    assert (status, body["code"]) == (404, "SIGNAL_NOT_FOUND")
    cars = await (await v3.sim.control("GET", "/vehicles?provider=smartcar_v3")).json()
    assert len(cars) == 4
