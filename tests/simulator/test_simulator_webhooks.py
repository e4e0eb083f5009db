"""Webhooks out of the simulator: Smartcar's VERIFY, signed deliveries on change, retries and
faults; High Mobility's pings and clearance changes, with the same faults and no retries.

A receiver on loopback stands in for Home Assistant; what it gets is checked on the wire and read
with the integration's own webhook reader, so both agree with the documented envelopes.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.connected_car.api import high_mobility_webhooks
from custom_components.connected_car.api.model import Feature, Odometer, Security
from custom_components.connected_car.api.push import PushDelivery, PushedClearance, SignatureError
from custom_components.connected_car.api.smartcar_webhooks import read_delivery
from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID
from tests.simulator.high_mobility.raw import APPROVAL_DELAY, access_token, add

AMT = "sim-application-management-token"
SMARTCAR_CARS = 4
HM_SECRET = "sim-hm-webhook-secret"
BMW, RENAULT = "WBY71AW010FP87213", "VF1RCB00067891234"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def message(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def delivery(self, key: str = AMT) -> PushDelivery:
        delivery = read_delivery(key, self.body, self.headers.get("SC-Signature"))
        assert isinstance(delivery, PushDelivery)
        return delivery

    def hm_delivery(self) -> PushDelivery:
        return high_mobility_webhooks.read_delivery(HM_SECRET, self.body, self.headers)


@dataclass
class Receiver:
    """Home Assistant's side of a webhook: answers VERIFY with the AMT, and a status for the rest."""

    url: str = ""
    status: int = 200
    verify_key: str = AMT
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(dict(request.headers), body))
        self.arrived.set()
        message = json.loads(body)
        challenge = (message.get("data") or message.get("payload") or {}).get("challenge")
        if challenge is not None:
            answer = hmac.new(self.verify_key.encode(), challenge.encode(), hashlib.sha256)
            return web.json_response({"challenge": answer.hexdigest()})
        return web.Response(status=self.status)

    async def wait_for(self, count: int) -> list[Received]:
        """Wait until count deliveries arrived in all (at most 5 s)."""
        async with asyncio.timeout(5):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.received

    async def nothing_more(self, count: int) -> None:
        """No delivery beyond count arrives within a moment (the loop runs every second)."""
        await asyncio.sleep(1.3)
        assert len(self.received) == count, [r.message for r in self.received[count:]]

    def events(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.message.get("eventType") == event_type]


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    receiver.url = f"http://127.0.0.1:{server.port}/hook"
    try:
        yield receiver
    finally:
        await server.close()


async def create(simulator, receiver: Receiver, **options: Any) -> dict[str, Any]:
    body = {"provider": "smartcar", "url": receiver.url} | options
    response = await simulator.control("POST", "/webhooks", body)
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def listed(simulator) -> list[dict[str, Any]]:
    response = await simulator.control("GET", "/webhooks")
    return list(await response.json())


async def test_verify_then_a_first_delivery_of_every_subscribed_car(simulator, receiver) -> None:
    created = await create(simulator, receiver)
    assert created["secret"] == AMT
    verify, *firsts = await receiver.wait_for(1 + SMARTCAR_CARS)
    assert "SC-Signature" not in verify.headers  # VERIFY comes unsigned
    assert verify.message["eventType"] == "VERIFY"
    assert verify.message["meta"]["webhookId"] == created["id"]
    [webhook] = await listed(simulator)
    assert webhook["verified"] is True
    assert len(webhook["subscriptions"]) == SMARTCAR_CARS
    assert webhook["attempts"][0]["event_type"] == "VERIFY"
    for first in firsts:
        assert first.headers["Content-Type"] == "application/json"
        assert first.headers["User-Agent"].startswith("Smartcar/")
        message = first.message
        assert message["eventType"] == "VEHICLE_STATE"
        assert {t["type"] for t in message["triggers"]} == {"FIRST_DELIVERY"}
        assert message["meta"]["mode"] == "LIVE"
        assert isinstance(message["meta"]["deliveredAt"], int)
        [update] = first.delivery().updates
        assert Feature.ODOMETER in update.snapshot.readings
    cars = {first.delivery().updates[0].vehicle_id for first in firsts}
    assert FORD_F150_ID in cars
    await receiver.nothing_more(1 + SMARTCAR_CARS)  # nothing changed: nothing more


async def test_changes_through_the_control_api_and_commands_are_pushed(simulator, receiver) -> None:
    await create(simulator, receiver)
    await receiver.wait_for(1 + SMARTCAR_CARS)
    response = await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"odometer": 50000.0})
    assert response.status == 200
    *_, change = await receiver.wait_for(2 + SMARTCAR_CARS)
    assert change.message["triggers"] == [
        {"type": "SIGNAL_UPDATED", "signal": {"code": "odometer-traveleddistance"}}
    ]
    [update] = change.delivery().updates
    assert update.vehicle_id == FORD_F150_ID
    assert update.snapshot.readings[Feature.ODOMETER] == Odometer(50000.0)

    token = await simulator.access_token()
    response = await simulator.api(
        "POST", f"/vehicles/{FORD_F150_ID}/security", token, json={"action": "LOCK"}
    )
    assert response.status == 200
    *_, locked = await receiver.wait_for(3 + SMARTCAR_CARS)
    [update] = locked.delivery().updates
    security = update.snapshot.readings[Feature.SECURITY]
    assert isinstance(security, Security)
    assert security.locked is True


async def test_charging_progress_is_pushed_as_the_clock_moves(simulator, receiver) -> None:
    await create(simulator, receiver, subscribe_all=False)
    await receiver.wait_for(1)
    token = await simulator.access_token()
    response = await simulator.api(
        "POST", f"/vehicles/{TESLA_MODEL_3_ID}/webhooks/{(await listed(simulator))[0]['id']}", token
    )
    assert response.status == 200
    first, *_ = (await receiver.wait_for(2))[1:]
    level = first.delivery().updates[0].snapshot.readings[Feature.BATTERY]
    await simulator.control("POST", "/clock", {"advance": 600})
    *_, charged = await receiver.wait_for(3)
    codes = {t["signal"]["code"] for t in charged.message["triggers"]}
    assert "tractionbattery-stateofcharge" in codes
    later = charged.delivery().updates[0].snapshot.readings[Feature.BATTERY]
    assert later.level > level.level  # type: ignore[attr-defined]


async def test_subscribe_and_unsubscribe_through_the_v2_api(simulator, receiver) -> None:
    webhook = await create(simulator, receiver, subscribe_all=False)
    await receiver.wait_for(1)
    token = await simulator.access_token()
    path = f"/vehicles/{FORD_F150_ID}/webhooks/{webhook['id']}"
    response = await simulator.api("POST", path, token)
    assert await response.json() == {"vehicleId": FORD_F150_ID, "webhookId": webhook["id"]}
    [first] = (await receiver.wait_for(2))[1:]
    assert first.delivery().updates[0].vehicle_id == FORD_F150_ID
    assert (await listed(simulator))[0]["subscriptions"] == [FORD_F150_ID]
    response = await simulator.api("DELETE", path, AMT)
    assert response.status == 200
    assert (await listed(simulator))[0]["subscriptions"] == []
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"odometer": 1.0})
    await receiver.nothing_more(2)


async def test_failed_deliveries_are_retried_after_25_50_and_100_seconds(
    simulator, receiver
) -> None:
    await create(simulator, receiver, subscribe_all=False)
    await receiver.wait_for(1)
    receiver.status = 500
    webhook_id = (await listed(simulator))[0]["id"]
    token = await simulator.access_token()
    await simulator.api("POST", f"/vehicles/{FORD_F150_ID}/webhooks/{webhook_id}", token)
    await receiver.wait_for(2)
    for step, seconds in enumerate((25, 50, 100), start=3):
        await simulator.control("POST", "/clock", {"advance": seconds - 1})
        await receiver.nothing_more(step - 1)  # not before its time
        await simulator.control("POST", "/clock", {"advance": 1})
        await receiver.wait_for(step)
    await simulator.control("POST", "/clock", {"advance": 1000})
    await receiver.nothing_more(5)  # dropped after the fourth attempt
    attempts = (await listed(simulator))[0]["attempts"][1:]
    assert [a["retry"] for a in attempts] == [0, 1, 2, 3]
    assert {a["status"] for a in attempts} == {500}
    assert not any(a["delivered"] for a in attempts)
    # The same event each time, a new delivery id each attempt.
    messages = [r.message for r in receiver.received[1:]]
    assert len({m["eventId"] for m in messages}) == 1
    assert len({m["meta"]["deliveryId"] for m in messages}) == 4


async def test_an_unreachable_url_counts_as_a_failed_attempt(simulator, receiver) -> None:
    webhook = await create(simulator, receiver, subscribe_all=False)
    await receiver.wait_for(1)
    simulator.state.smartcar_webhooks.webhooks[webhook["id"]].url = "http://127.0.0.1:9/hook"
    token = await simulator.access_token()
    await simulator.api("POST", f"/vehicles/{FORD_F150_ID}/webhooks/{webhook['id']}", token)
    await asyncio.sleep(1.3)  # the delivery loop runs at least every second
    attempt = (await listed(simulator))[0]["attempts"][1]
    assert (attempt["status"], attempt["delivered"]) == (None, False)
    assert attempt["error"] == "ClientConnectorError"


async def test_a_wrong_verify_answer_leaves_the_webhook_unverified(simulator, receiver) -> None:
    receiver.verify_key = "not-the-amt"
    webhook = await create(simulator, receiver)
    await receiver.wait_for(1)
    await receiver.nothing_more(1)  # no data flows before the webhook is verified
    assert (await listed(simulator))[0]["verified"] is False
    receiver.verify_key = AMT
    response = await simulator.control("POST", f"/webhooks/{webhook['id']}/verify")
    assert response.status == 202
    await receiver.wait_for(2 + SMARTCAR_CARS)
    assert (await listed(simulator))[0]["verified"] is True


async def test_legacy_envelope(simulator, receiver) -> None:
    await create(simulator, receiver, version="2.0")
    verify, *firsts = await receiver.wait_for(1 + SMARTCAR_CARS)
    assert verify.message["eventName"] == "verify"
    assert set(verify.message["payload"]) == {"challenge"}
    for first in firsts:
        message = first.message
        assert (message["version"], message["eventName"]) == ("2.0", "dynamic")
        [vehicle] = message["payload"]["vehicles"]
        assert {item["path"] for item in vehicle["data"]} >= {"/odometer", "/location"}
        [update] = first.delivery().updates
        assert Feature.ODOMETER in update.snapshot.readings
        assert Feature.ODOMETER in update.snapshot.recorded_at
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"locked": True})
    *_, change = await receiver.wait_for(2 + SMARTCAR_CARS)
    [update] = change.delivery().updates
    assert update.snapshot.readings[Feature.SECURITY].locked is True  # type: ignore[union-attr]
    response = await simulator.control(
        "POST",
        f"/webhooks/{(await listed(simulator))[0]['id']}/vehicle_errors",
        {"vehicle_id": FORD_F150_ID, "type": "PERMISSION", "state": "ERROR"},
    )
    assert response.status == 400  # VEHICLE_ERROR is a 4.0 event


async def test_vehicle_errors_raised_and_resolved(simulator, receiver) -> None:
    webhook = await create(simulator, receiver)
    await receiver.wait_for(1 + SMARTCAR_CARS)
    for state in ("ERROR", "RESOLVED"):
        response = await simulator.control(
            "POST",
            f"/webhooks/{webhook['id']}/vehicle_errors",
            {
                "vehicle_id": FORD_F150_ID,
                "type": "CONNECTED_SERVICES_ACCOUNT",
                "code": "SUBSCRIPTION",
                "state": state,
                "signals": ["Closure.IsLocked"],
            },
        )
        assert response.status == 202
    *_, raised, resolved = await receiver.wait_for(3 + SMARTCAR_CARS)
    [problem] = raised.delivery().problems
    assert (problem.vehicle_id, problem.resolved) == (FORD_F150_ID, False)
    assert problem.error.code == "SUBSCRIPTION"
    assert problem.features == {Feature.SECURITY}
    assert resolved.delivery().problems[0].resolved


async def test_test_mode(simulator, receiver) -> None:
    await create(simulator, receiver, mode="TEST")
    *_, first = await receiver.wait_for(1 + SMARTCAR_CARS)
    assert first.message["meta"]["mode"] == "TEST"
    assert first.delivery().test


async def deliveries_after_fault(simulator, receiver, fault: dict[str, Any], count: int) -> Any:
    webhook = await create(simulator, receiver, subscribe_all=False)
    await receiver.wait_for(1)
    response = await simulator.control("POST", f"/webhooks/{webhook['id']}/faults", fault)
    assert response.status == 201
    token = await simulator.access_token()
    await simulator.api("POST", f"/vehicles/{FORD_F150_ID}/webhooks/{webhook['id']}", token)
    return webhook, (await receiver.wait_for(1 + count))[1:]


async def test_fault_duplicate(simulator, receiver) -> None:
    _, (one, two) = await deliveries_after_fault(simulator, receiver, {"type": "duplicate"}, 2)
    assert one.message["eventId"] == two.message["eventId"]
    assert one.message["meta"]["deliveryId"] != two.message["meta"]["deliveryId"]


@pytest.mark.parametrize("fault", ["bad_signature", "wrong_key"])
async def test_fault_signatures(simulator, receiver, fault: str) -> None:
    _, [forged] = await deliveries_after_fault(simulator, receiver, {"type": fault}, 1)
    assert forged.headers["SC-Signature"]
    with pytest.raises(Exception, match="SC-Signature"):
        forged.delivery()


async def test_fault_drop_then_delay(simulator, receiver) -> None:
    webhook, _ = await deliveries_after_fault(simulator, receiver, {"type": "drop"}, 0)
    await receiver.nothing_more(1)
    await simulator.control(
        "POST", f"/webhooks/{webhook['id']}/faults", {"type": "delay", "seconds": 60}
    )
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"odometer": 2.0})
    await receiver.nothing_more(1)
    assert simulator.state.smartcar_webhooks.webhooks[webhook["id"]].faults == []
    await simulator.control("POST", "/clock", {"advance": 60})
    [_, delayed] = await receiver.wait_for(2)
    assert delayed.delivery().updates[0].snapshot.readings[Feature.ODOMETER] == Odometer(2.0)


async def test_fault_reorder_sends_a_delivery_after_the_next_one(simulator, receiver) -> None:
    await deliveries_after_fault(simulator, receiver, {"type": "reorder"}, 0)
    await receiver.nothing_more(1)  # the first delivery of the car is held back
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"odometer": 3.0})
    [_, newer, older] = await receiver.wait_for(3)
    assert newer.message["triggers"][0]["type"] == "SIGNAL_UPDATED"
    assert older.message["triggers"][0]["type"] == "FIRST_DELIVERY"
    assert newer.delivery().updates[0].snapshot.readings[Feature.ODOMETER] == Odometer(3.0)


async def test_delete_stops_deliveries(simulator, receiver) -> None:
    webhook = await create(simulator, receiver)
    await receiver.wait_for(1 + SMARTCAR_CARS)
    response = await simulator.control("DELETE", f"/webhooks/{webhook['id']}")
    assert response.status == 200
    assert await listed(simulator) == []
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"odometer": 3.0})
    await receiver.nothing_more(1 + SMARTCAR_CARS)
    response = await simulator.control("DELETE", f"/webhooks/{webhook['id']}")
    assert response.status == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/webhooks", {"provider": "volvo", "url": "http://127.0.0.1/x"}),
        ("/webhooks", {"provider": "smartcar", "url": "ftp://127.0.0.1/x"}),
        ("/webhooks", {"provider": "smartcar", "url": 5}),
        ("/webhooks", {"provider": "smartcar", "url": "http://h/x", "version": "3.0"}),
        ("/webhooks", {"provider": "smartcar", "url": "http://h/x", "mode": "live"}),
        ("/webhooks", {"provider": "smartcar", "url": "http://h/x", "subscribe_all": 1}),
        ("/webhooks", {"provider": "smartcar", "url": "http://h/x", "other": 1}),
        ("/webhooks", "not an object"),
        ("/webhooks/{id}/faults", {"type": "explode"}),
        ("/webhooks/{id}/faults", {"type": "delay", "seconds": -1}),
        ("/webhooks/{id}/faults", {"type": "drop", "times": 0}),
        ("/webhooks/{id}/vehicle_errors", {"vehicle_id": "nope", "type": "X", "state": "ERROR"}),
        ("/webhooks/{id}/vehicle_errors", {"vehicle_id": FORD_F150_ID, "type": 1}),
        ("/webhooks/{id}/vehicle_errors", {"vehicle_id": FORD_F150_ID, "type": "X", "code": 2}),
        (
            "/webhooks/{id}/vehicle_errors",
            {"vehicle_id": FORD_F150_ID, "type": "X", "state": "ERROR", "signals": "Closure"},
        ),
        ("/webhooks/{id}/vehicle_errors", {"vehicle_id": FORD_F150_ID, "type": "X", "state": "?"}),
    ],
)
async def test_invalid_control_requests(simulator, receiver, path: str, body: Any) -> None:
    webhook = await create(simulator, receiver)
    response = await simulator.control("POST", path.format(id=webhook["id"]), body)
    assert response.status == 400, await response.text()
    assert "error" in await response.json()


async def test_unknown_webhook_and_bad_json(simulator) -> None:
    response = await simulator.control("POST", "/webhooks/unknown/faults", {"type": "drop"})
    assert response.status == 404
    response = await simulator.session.post("/_simulator/webhooks", data=b"{")
    assert response.status == 400


async def test_a_subscription_of_a_deleted_car_or_webhook_sends_nothing(
    simulator, receiver
) -> None:
    webhook = await create(simulator, receiver, subscribe_all=False)
    await receiver.wait_for(1)
    hub = simulator.state.smartcar_webhooks
    hub.subscribe(webhook["id"], "a-car-that-left")
    hub.subscribe("a-webhook-we-do-not-hold", FORD_F150_ID)
    await simulator.control("PATCH", f"/vehicles/{FORD_F150_ID}", {"odometer": 4.0})
    await receiver.nothing_more(1)
    # A delivery whose webhook went while it waited is dropped.
    response = await simulator.control("DELETE", f"/webhooks/{webhook['id']}")
    assert response.status == 200
    assert hub.queue == []


# High Mobility


async def create_hm(simulator, receiver: Receiver) -> dict[str, Any]:
    """High Mobility's webhook; its ping is answered before this returns."""
    body = {"provider": "high_mobility", "url": receiver.url}
    response = await simulator.control("POST", "/webhooks", body)
    assert response.status == 201, await response.text()
    created = dict(await response.json())
    assert created["secret"] == HM_SECRET
    [ping] = await receiver.wait_for(1)
    assert ping.headers["X-HM-Event"] == "ping"
    return created


async def add_to_fleet(simulator, *vins: str) -> None:
    """Ask for the cars' clearance: each becomes pending, which the webhook tells."""
    token = await access_token(simulator)
    for vin in vins:
        await add(simulator, token, {"vin": vin, "brand": "bmw" if vin == BMW else "renault"})


async def add_fault(simulator, webhook: dict[str, Any], fault: dict[str, Any]) -> None:
    response = await simulator.control("POST", f"/webhooks/{webhook['id']}/faults", fault)
    assert response.status == 201, await response.text()


async def test_hm_ping_then_clearance_changes_on_the_documented_wire(simulator, receiver) -> None:
    webhook = await create_hm(simulator, receiver)
    [ping] = receiver.received
    assert ping.headers["User-Agent"] == "HM-Webhook/1.2.0"
    assert ping.headers["Content-Type"] == "application/json"
    assert ping.hm_delivery() == PushDelivery(event_id=ping.headers["X-HM-Delivery"])
    await add_to_fleet(simulator, BMW)
    [_, pending] = await receiver.wait_for(2)
    assert pending.headers["X-HM-Event"] == "fleet_clearance_changed"
    assert pending.headers["X-HM-Signature-256"].startswith("sha256=")
    assert pending.message == {"vehicle": {"vin": BMW}, "event": {"action": "pending"}}
    await simulator.control("POST", "/clock", {"advance": APPROVAL_DELAY})
    [*_, approved] = await receiver.wait_for(3)
    assert approved.hm_delivery().clearances == (PushedClearance(BMW, "approved"),)
    # A rejection says why in `detail`.
    outcome = {"vin": RENAULT, "outcome": "reject", "reason": "invalid VIN"}
    response = await simulator.control("POST", "/high_mobility/outcomes", outcome)
    assert response.status == 201, await response.text()
    await add_to_fleet(simulator, RENAULT)
    await simulator.control("POST", "/clock", {"advance": APPROVAL_DELAY})
    [*_, rejected] = await receiver.wait_for(5)
    assert rejected.message["event"] == {"action": "rejected", "detail": "invalid VIN"}
    assert rejected.hm_delivery().clearances == (
        PushedClearance(RENAULT, "rejected", "invalid VIN"),
    )
    [shown] = await listed(simulator)
    assert (shown["id"], shown["provider"], shown["faults"]) == (
        webhook["id"],
        "high_mobility",
        [],
    )
    assert [a["event_type"] for a in shown["attempts"]] == ["ping"] + 4 * [
        "fleet_clearance_changed"
    ]
    assert all(a["delivered"] and a["retry"] == 0 for a in shown["attempts"])
    assert [a["event_id"] for a in shown["attempts"]] == [
        r.headers["X-HM-Delivery"] for r in receiver.received
    ]


async def test_hm_fault_duplicate_sends_the_same_delivery_twice(simulator, receiver) -> None:
    webhook = await create_hm(simulator, receiver)
    await add_fault(simulator, webhook, {"type": "duplicate"})
    [fault] = (await listed(simulator))[0]["faults"]
    assert fault == {"type": "duplicate", "times": 1, "seconds": 0.0}
    await add_to_fleet(simulator, BMW)
    [_, one, two] = await receiver.wait_for(3)
    assert one.headers["X-HM-Delivery"] == two.headers["X-HM-Delivery"]
    assert one.body == two.body
    assert one.hm_delivery() == two.hm_delivery()
    await receiver.nothing_more(3)


async def test_hm_fault_drop_then_delay(simulator, receiver) -> None:
    webhook = await create_hm(simulator, receiver)
    await add_fault(simulator, webhook, {"type": "drop"})
    await add_to_fleet(simulator, BMW)
    await receiver.nothing_more(1)  # lost
    await add_fault(simulator, webhook, {"type": "delay", "seconds": APPROVAL_DELAY + 100})
    await add_to_fleet(simulator, RENAULT)
    await receiver.nothing_more(1)  # held on the simulator's clock
    # Both cars are approved meanwhile: those later changes overtake the held one.
    await simulator.control("POST", "/clock", {"advance": APPROVAL_DELAY})
    later = (await receiver.wait_for(3))[1:]
    assert {r.hm_delivery().clearances for r in later} == {
        (PushedClearance(BMW, "approved"),),
        (PushedClearance(RENAULT, "approved"),),
    }
    await simulator.control("POST", "/clock", {"advance": 100})
    [*_, held] = await receiver.wait_for(4)
    assert held.hm_delivery().clearances == (PushedClearance(RENAULT, "pending"),)


@pytest.mark.parametrize("fault", ["bad_signature", "wrong_key"])
async def test_hm_fault_signatures(simulator, receiver, fault: str) -> None:
    webhook = await create_hm(simulator, receiver)
    await add_fault(simulator, webhook, {"type": fault})
    await add_to_fleet(simulator, BMW)
    [_, forged] = await receiver.wait_for(2)
    assert forged.headers["X-HM-Signature-256"].startswith("sha256=")
    with pytest.raises(SignatureError):
        forged.hm_delivery()
    await simulator.control("POST", "/clock", {"advance": APPROVAL_DELAY})
    [*_, signed] = await receiver.wait_for(3)  # the fault was for one delivery
    assert signed.hm_delivery().clearances == (PushedClearance(BMW, "approved"),)


async def test_a_failed_hm_delivery_is_not_sent_again(simulator, receiver) -> None:
    receiver.status = 500
    await create_hm(simulator, receiver)
    await add_to_fleet(simulator, BMW)
    await receiver.wait_for(2)
    await simulator.control("POST", "/clock", {"advance": 300})
    await receiver.nothing_more(2)  # High Mobility documents no retries
    attempts = (await listed(simulator))[0]["attempts"]
    assert [(a["event_type"], a["retry"], a["status"], a["delivered"]) for a in attempts] == [
        ("ping", 0, 500, False),
        ("fleet_clearance_changed", 0, 500, False),
    ]


async def test_smartcar_only_requests_refuse_a_hm_webhook(simulator, receiver) -> None:
    webhook = await create_hm(simulator, receiver)
    for path, body in (
        ("verify", None),
        ("vehicle_errors", {"vehicle_id": FORD_F150_ID, "type": "X", "state": "ERROR"}),
    ):
        response = await simulator.control("POST", f"/webhooks/{webhook['id']}/{path}", body)
        assert response.status == 400
        assert "High Mobility" in (await response.json())["error"]
    response = await simulator.control("DELETE", f"/webhooks/{webhook['id']}")
    assert response.status == 200
    assert await listed(simulator) == []
