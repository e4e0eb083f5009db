"""Push through Home Assistant: the simulator delivers signed Smartcar webhooks to HA's webhook.

HA's HTTP server runs on loopback (its test client) and is the external URL; the simulator posts
to it as Smartcar would.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
import hashlib
import hmac
import json
from typing import Any

from aiohttp import ClientResponse
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN, LockState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from yarl import URL

from custom_components.connected_car.api.model import Feature, Odometer
from custom_components.connected_car.const import CONF_MONTHLY_BUDGET, DOMAIN
from custom_components.connected_car.coordinator import PUSH_CONFIRM_WAIT, VehicleCoordinator
from custom_components.connected_car.fleet import ACCOUNT_CHECK_INTERVAL
from custom_components.connected_car.providers.smartcar import CONF_MANAGEMENT_TOKEN
from custom_components.connected_car.push import MAX_BODY, NO_URL_ISSUE

from .conftest import SetupIntegration
from .helpers import open_polling_options
from .simulator_control import SimulatorControl, connect_second_user_sharing

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

AMT = "sim-application-management-token"
type Post = Callable[..., Awaitable[ClientResponse]]


@pytest.fixture
async def external_url(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> str:
    """HA's server on loopback, set as its external URL (what the provider reaches)."""
    client = await hass_client_no_auth()
    base = str(client.make_url("/")).rstrip("/")
    await hass.config.async_update(external_url=base)
    return base


async def set_amt(hass: HomeAssistant, entry: MockConfigEntry, amt: str = AMT) -> dict[str, Any]:
    """Enter the Application Management Token in the options, as a user does (the entry reloads)."""
    result = await open_polling_options(hass, entry)
    assert result["type"] is FlowResultType.FORM
    placeholders = dict(result["description_placeholders"])
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MONTHLY_BUDGET: 500, CONF_MANAGEMENT_TOKEN: f" {amt} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_MANAGEMENT_TOKEN] == amt
    return placeholders


async def until(
    hass: HomeAssistant,
    check: Callable[[], Awaitable[bool]],
    freezer: FrozenDateTimeFactory | None = None,
) -> None:
    """Let HA and the simulator work until check holds (at most 10 s, or 2000 turns of the
    loop where the clock is frozen)."""
    if freezer is not None:
        for _ in range(2000):
            if await check():
                return
            await hass.async_block_till_done()
            freezer.tick(timedelta(milliseconds=5))
            await asyncio.sleep(0)
        raise TimeoutError
    async with asyncio.timeout(10):
        while not await check():
            await hass.async_block_till_done()
            await asyncio.sleep(0.05)


async def subscribed(sim: SimulatorControl) -> set[str]:
    """The cars subscribed to the simulator's one webhook."""
    [listed] = await sim.call("GET", "/webhooks")
    return set(listed["subscriptions"])


async def until_subscribed(
    hass: HomeAssistant,
    sim: SimulatorControl,
    cars: set[str],
    freezer: FrozenDateTimeFactory | None = None,
) -> None:
    """Let HA subscribe until exactly cars are subscribed."""

    async def done() -> bool:
        return await subscribed(sim) == cars

    await until(hass, done, freezer)


def coordinator_of(entry: MockConfigEntry, vehicle_id: str) -> VehicleCoordinator:
    coordinator: VehicleCoordinator = entry.runtime_data.coordinators[vehicle_id]
    return coordinator


async def test_the_simulator_pushes_changes_and_polls_stop(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The URL shown in the options gets Smartcar's VERIFY; HA answers it, learns the webhook,
    subscribes every car; a change on the car shows in HA without a poll, and the polls stop."""
    entry = await setup_integration()
    placeholders = await set_amt(hass, entry)
    url = entry.runtime_data.push.url
    assert url.startswith(f"{external_url}/api/webhook/")
    assert placeholders["webhook_url"] == url
    assert not ir.async_get(hass).async_get_issue(DOMAIN, f"{NO_URL_ISSUE}_{entry.entry_id}")

    await sim.call(
        "POST", "/webhooks", {"provider": "smartcar", "url": url, "subscribe_all": False}
    )
    cars = {car["id"] for car in await sim.vehicles()}

    async def all_subscribed() -> bool:
        [listed] = await sim.call("GET", "/webhooks")
        return listed["verified"] and set(listed["subscriptions"]) == cars

    await until(hass, all_subscribed)
    ford = await sim.vehicle("Ford")
    coordinator = coordinator_of(entry, ford["id"])
    await until(hass, lambda: _async_value(coordinator.push_healthy))
    calls = (await sim.stats())["vehicles"][ford["id"]]["billable"]

    await sim.patch(ford["id"], odometer=54321.0)

    async def odometer_shown() -> bool:
        return coordinator.data.readings.get(Feature.ODOMETER) == Odometer(54321.0)

    await until(hass, odometer_shown)
    # A regular poll now is skipped: push feeds the car, and the safety read is not due.
    await coordinator.async_refresh()
    assert (await sim.stats())["vehicles"][ford["id"]]["billable"] == calls
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() > 12 * 3600

    assert coordinator.push_healthy
    # The options show the last delivery beside the URL: it came, and its signature passed.
    result = await open_polling_options(hass, entry)
    assert result["description_placeholders"]["webhook_url"] == url
    assert result["description_placeholders"]["last_delivery"].endswith(" UTC: signature valid")


async def _async_value(value: bool) -> bool:
    return value


def signed(message: dict[str, Any], key: str = AMT) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(message).encode()
    signature = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return body, {"SC-Signature": signature, "Content-Type": "application/json"}


def odometer_event(
    event_id: str, vehicle_id: str, km: float, at_ms: int, mode: str = "LIVE"
) -> Any:
    return {
        "eventId": event_id,
        "eventType": "VEHICLE_STATE",
        "data": {
            "vehicle": {"id": vehicle_id},
            "signals": [
                {
                    "code": "odometer-traveleddistance",
                    "body": {"value": km, "unit": "km"},
                    "meta": {"oemUpdatedAt": at_ms},
                }
            ],
        },
        "triggers": [{"type": "SIGNAL_UPDATED", "signal": "Odometer.TraveledDistance"}],
        "meta": {"version": "4.0", "webhookId": "wh-1", "mode": mode},
    }


async def test_deliveries_are_checked_deduplicated_and_ordered(
    hass: HomeAssistant,
    external_url: str,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Signatures are checked before anything else; VERIFY is answered in both envelopes; TEST
    changes nothing; an event sent again (also after a restart) or an older value is left out."""
    entry = await setup_integration()
    await set_amt(hass, entry)
    client = await hass_client_no_auth()
    path = URL(entry.runtime_data.push.url).path
    ford = await sim.vehicle("Ford")
    coordinator = coordinator_of(entry, ford["id"])

    async def post(message: Any, headers: dict[str, str] | None = None, key: str = AMT) -> int:
        body, signed_headers = signed(message, key)
        response = await client.post(path, data=body, headers=headers or signed_headers)
        await hass.async_block_till_done(wait_background_tasks=True)
        return response.status

    for verify in (
        {"eventId": "v", "eventType": "VERIFY", "data": {"challenge": "abc"}, "meta": {}},
        {
            "version": "2.0",
            "webhookId": "wh-1",
            "eventName": "verify",
            "payload": {"challenge": "abc"},
        },
    ):
        response = await client.post(path, json=verify)  # unsigned, as Smartcar sends it
        assert response.status == 200
        expected = hmac.new(AMT.encode(), b"abc", hashlib.sha256).hexdigest()
        assert await response.json() == {"challenge": expected}

    before = coordinator.data.readings.get(Feature.ODOMETER)
    event = odometer_event("e-1", ford["id"], 11.0, 1_900_000_000_000)
    assert await post(event, headers={"Content-Type": "application/json"}) == 401
    assert await post(event, key="wrong-key") == 401
    body, headers = signed(event)
    response = await client.post(path, data=body + b" ", headers=headers)  # altered body
    assert response.status == 401
    assert await post(odometer_event("t", ford["id"], 12.0, 1_900_000_000_000, "TEST")) == 202
    response = await client.post(path, data=b"x" * (MAX_BODY + 1), headers=headers)
    assert response.status == 413
    assert await post({"eventType": "VEHICLE_STATE", "eventId": "m", "data": {}}) == 400
    assert coordinator.data.readings.get(Feature.ODOMETER) == before
    assert entry.runtime_data.push.rejected == 5
    assert coordinator.pushes_rejected == 5
    assert not coordinator.push_healthy
    # The car's diagnostics say so: polled, no push yet, five refused.
    assert hass.states.get("sensor.ford_f_150_data_source").state == "poll"
    assert hass.states.get("sensor.ford_f_150_last_push_received").state == "unknown"
    assert hass.states.get("sensor.ford_f_150_pushes_rejected").state == "5"
    assert entry.runtime_data.push.last_delivery_text.endswith(
        ": refused: signed, of no known shape"
    )

    # Header names are case-insensitive: a lower-case sc-signature is the same header.
    body, headers = signed(event)
    response = await client.post(path, data=body, headers={"sc-signature": headers["SC-Signature"]})
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.data.readings[Feature.ODOMETER] == Odometer(11.0)
    assert coordinator.push_healthy
    assert hass.states.get("sensor.ford_f_150_data_source").state == "push"
    received = hass.states.get("sensor.ford_f_150_last_push_received").state
    assert received == coordinator.last_push_received.isoformat(timespec="seconds")
    # The same event again: nothing changes, whatever it says now.
    assert await post(odometer_event("e-1", ford["id"], 99.0, 1_900_000_009_000)) == 200
    assert coordinator.data.readings[Feature.ODOMETER] == Odometer(11.0)
    # An older value, arriving late: left out. A newer one: taken.
    assert await post(odometer_event("e-0", ford["id"], 10.0, 1_899_000_000_000)) == 200
    assert coordinator.data.readings[Feature.ODOMETER] == Odometer(11.0)
    assert await post(odometer_event("e-2", ford["id"], 12.0, 1_900_000_001_000)) == 200
    assert coordinator.data.readings[Feature.ODOMETER] == Odometer(12.0)
    # A car the entry does not have: acknowledged, nothing else.
    assert await post(odometer_event("e-3", "another-car", 1.0, 1_900_000_002_000)) == 200

    # After a restart, the event ids seen are still known.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = coordinator_of(entry, ford["id"])
    assert await post(odometer_event("e-2", ford["id"], 77.0, 1_900_000_005_000)) == 200
    assert coordinator.data.readings[Feature.ODOMETER] == Odometer(12.0)


async def test_vehicle_errors_raise_and_clear_the_repair(
    hass: HomeAssistant,
    external_url: str,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """VEHICLE_ERROR ERROR raises the account repair of the car; RESOLVED clears it."""
    entry = await setup_integration()
    await set_amt(hass, entry)
    client = await hass_client_no_auth()
    path = URL(entry.runtime_data.push.url).path
    ford = await sim.vehicle("Ford")
    issue_id = f"smartcar_{ford['id']}_subscription"
    for index, state in enumerate(("ERROR", "RESOLVED", "ERROR")):
        error = {"type": "CONNECTED_SERVICES_ACCOUNT", "code": "SUBSCRIPTION", "state": state}
        permission = {"type": "PERMISSION", "code": None, "state": state}
        message = {
            "eventId": f"err-{index}",
            "eventType": "VEHICLE_ERROR",
            "data": {"vehicle": {"id": ford["id"]}, "errors": [error, permission]},
            "meta": {"version": "4.0"},
        }
        body, headers = signed(message)
        response = await client.post(path, data=body, headers=headers)
        assert response.status == 200
        await hass.async_block_till_done(wait_background_tasks=True)
        shown = ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
        assert shown is (state == "ERROR")


async def test_without_an_external_url_the_cars_are_polled_and_a_repair_says_why(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    entry = await setup_integration()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.push.url is None
    issue_id = f"{NO_URL_ISSUE}_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None  # push not wanted yet
    placeholders = await set_amt(hass, entry)
    assert placeholders["webhook_url"] == "-"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == NO_URL_ISSUE
    for coordinator in entry.runtime_data.coordinators.values():
        assert not coordinator.push_healthy
        assert coordinator.last_update_success


@pytest.fixture
async def config_component(hass: HomeAssistant) -> None:
    """The config API (device removal), loaded before HA's server starts."""
    assert await async_setup_component(hass, "config", {})


async def test_cars_are_unsubscribed_when_their_device_or_the_entry_goes(
    hass: HomeAssistant,
    config_component: None,
    external_url: str,
    hass_ws_client: WebSocketGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    entry = await setup_integration()
    await set_amt(hass, entry)
    url = entry.runtime_data.push.url
    await sim.call(
        "POST", "/webhooks", {"provider": "smartcar", "url": url, "subscribe_all": False}
    )
    cars = {car["id"] for car in await sim.vehicles()}

    await until_subscribed(hass, sim, cars)
    ford = await sim.vehicle("Ford")
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"smartcar:{ford['id']}"), entry.entry_id
    )
    assert device is not None
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device.id,
        }
    )
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await subscribed(sim) == cars - {ford["id"]}

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert await subscribed(sim) == set()


async def test_refused_subscriptions_are_tried_again_and_refused_unsubscriptions_pass(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Smartcar refuses to subscribe: the cars stay polled and are subscribed at the next setup;
    a refused unsubscribe at removal is logged and the removal goes on."""
    entry = await setup_integration()
    await set_amt(hass, entry)
    await sim.inject_error(type="SERVER", code="INTERNAL", times=100)
    url = entry.runtime_data.push.url
    await sim.call(
        "POST", "/webhooks", {"provider": "smartcar", "url": url, "subscribe_all": False}
    )

    async def verified() -> bool:
        [listed] = await sim.call("GET", "/webhooks")
        return bool(listed["verified"])

    await until(hass, verified)
    await hass.async_block_till_done(wait_background_tasks=True)
    [listed] = await sim.call("GET", "/webhooks")
    assert listed["subscriptions"] == []
    await sim.clear_errors()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    [listed] = await sim.call("GET", "/webhooks")
    assert len(listed["subscriptions"]) == len(entry.runtime_data.coordinators)

    await sim.inject_error(type="SERVER", code="INTERNAL", times=100)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    [listed] = await sim.call("GET", "/webhooks")
    assert len(listed["subscriptions"]) == len(await sim.vehicles())  # Smartcar kept them


async def test_a_car_that_joins_the_account_is_subscribed_at_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    external_url: str,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A car the entry gains after setup (here: the other entry that showed it goes) is
    subscribed when it appears, not at the next reload."""
    cars = {car["make"]: car["id"] for car in await sim.vehicles()}
    first = await setup_integration(sim_approve=cars["TESLA"])
    second = await connect_second_user_sharing(
        hass, await hass_client_no_auth(), sim, first, cars["TESLA"], cars["FORD"]
    )
    await set_amt(hass, second)  # reloads the entry
    assert cars["TESLA"] not in second.runtime_data.coordinators
    url = second.runtime_data.push.url
    await sim.call(
        "POST", "/webhooks", {"provider": "smartcar", "url": url, "subscribe_all": False}
    )

    await until_subscribed(hass, sim, {cars["FORD"]}, freezer)

    assert await hass.config_entries.async_remove(first.entry_id)
    for _ in range(int(ACCOUNT_CHECK_INTERVAL / timedelta(minutes=10))):
        freezer.tick(timedelta(minutes=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        if cars["TESLA"] in second.runtime_data.coordinators:
            break
    assert cars["TESLA"] in second.runtime_data.coordinators
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await subscribed(sim) == {cars["FORD"], cars["TESLA"]}


@pytest.mark.parametrize("subscribed_in_dashboard", [False, True])
async def test_smartcar_v3_cars_are_subscribed_through_the_management_api(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    subscribed_in_dashboard: bool,
) -> None:
    """A v3 entry subscribes its cars with `POST /subscriptions` (202; or 409 for a car the
    dashboard subscribed already, which counts as subscribed), takes v4 VEHICLE_STATE
    deliveries, and unsubscribes every car with the entry (`GET /subscriptions`, then `DELETE`
    each)."""
    entry = await setup_integration("smartcar_v3")
    await set_amt(hass, entry)
    cars = set(entry.runtime_data.coordinators)
    ford = await sim.vehicle("Ford")
    assert ford["id"] in cars
    url = entry.runtime_data.push.url
    webhook = await sim.call(
        "POST",
        "/webhooks",
        {"provider": "smartcar", "url": url, "subscribe_all": subscribed_in_dashboard},
    )

    await until_subscribed(hass, sim, cars)
    coordinator = coordinator_of(entry, ford["id"])
    await until(hass, lambda: _async_value(coordinator.push_healthy))
    await sim.patch(ford["id"], odometer=65432.0)

    async def odometer_shown() -> bool:
        return coordinator.data.readings.get(Feature.ODOMETER) == Odometer(65432.0)

    await until(hass, odometer_shown)
    assert hass.states.get("sensor.ford_f_150_data_source").state == "push"

    assert webhook["id"]

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert await subscribed(sim) == set()


async def _push_healthy_ford(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: SimulatorControl,
    freezer: FrozenDateTimeFactory | None = None,
) -> tuple[dict[str, Any], VehicleCoordinator, str]:
    """Push set up as a user does, every car subscribed, and the Ford fed by push."""
    await set_amt(hass, entry)
    url = entry.runtime_data.push.url
    webhook = await sim.call("POST", "/webhooks", {"provider": "smartcar", "url": url})
    ford = await sim.vehicle("Ford")
    coordinator = coordinator_of(entry, ford["id"])
    await until(hass, lambda: _async_value(coordinator.push_healthy), freezer)
    await hass.async_block_till_done(wait_background_tasks=True)
    return ford, coordinator, webhook["id"]


async def test_a_command_is_confirmed_by_push_and_read_only_when_push_stays_silent(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """While push feeds the car, a command's result comes by push and costs no read; when the
    delivery is lost, the feature is read once after PUSH_CONFIRM_WAIT."""
    entry = await setup_integration()
    ford, coordinator, webhook_id = await _push_healthy_ford(hass, entry, sim)
    lock_id = "lock.ford_f_150_door_lock"
    assert hass.states.get(lock_id).state == LockState.UNLOCKED

    async def billed() -> int:
        return int((await sim.stats())["vehicles"][ford["id"]]["billable"])

    before = await billed()
    await hass.services.async_call(LOCK_DOMAIN, "lock", {"entity_id": lock_id}, blocking=True)
    assert hass.states.get(lock_id).state == LockState.LOCKED  # shown at once, as expected

    async def pushed_confirmation() -> bool:
        return not coordinator.awaiting_push

    await until(hass, pushed_confirmation)
    assert await billed() == before + 1  # the command only: push brought its result
    assert coordinator.push_healthy

    # The next delivery is lost: the unlock is confirmed by one read, a minute later.
    await sim.call("POST", f"/webhooks/{webhook_id}/faults", {"type": "drop", "times": 100})
    await hass.services.async_call(LOCK_DOMAIN, "unlock", {"entity_id": lock_id}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await billed() == before + 2
    assert coordinator.awaiting_push == {Feature.SECURITY}
    async_fire_time_changed(hass, dt_util.utcnow() + PUSH_CONFIRM_WAIT + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.awaiting_push == set()
    assert await billed() == before + 3  # the command and one read of the lock
    assert hass.states.get(lock_id).state == LockState.UNLOCKED

    # An entry unloaded while it waits for a pushed result reads nothing afterwards.
    await hass.services.async_call(LOCK_DOMAIN, "lock", {"entity_id": lock_id}, blocking=True)
    assert coordinator.awaiting_push == {Feature.SECURITY}
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert coordinator.awaiting_push == set()
    async_fire_time_changed(hass, dt_util.utcnow() + PUSH_CONFIRM_WAIT + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await billed() == before + 4  # the lock command only


async def test_a_command_without_push_is_confirmed_by_one_read(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Without push, the command's result is read once, at once."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    coordinator = coordinator_of(entry, ford["id"])
    before = (await sim.stats())["vehicles"][ford["id"]]["billable"]
    await hass.services.async_call(
        LOCK_DOMAIN, "lock", {"entity_id": "lock.ford_f_150_door_lock"}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not coordinator.awaiting_push
    assert (await sim.stats())["vehicles"][ford["id"]]["billable"] == before + 2


async def test_push_trusted_before_a_restart_stays_trusted_after_it(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A restart keeps when the car's values last came by push: while that is within the push
    window, the car is not polled at start, and its diagnostics still say push."""
    entry = await setup_integration()
    ford, coordinator, _ = await _push_healthy_ford(hass, entry, sim)
    received = coordinator.last_push_received
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await sim.reset_stats()

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = coordinator_of(entry, ford["id"])
    assert coordinator.push_healthy
    assert coordinator.last_push_received == received
    assert (await sim.stats())["vehicles"][ford["id"]]["billable"] == 0
    assert hass.states.get("sensor.ford_f_150_data_source").state == "push"
    assert coordinator.update_interval is not None
    assert coordinator.update_interval > timedelta(hours=12)


async def test_push_is_not_trusted_after_a_restart_once_deliveries_cannot_come(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Without its key, the entry receives nothing after the restart: the stored push is not
    trusted, and the car is polled as the budget allows."""
    entry = await setup_integration()
    ford, coordinator, _ = await _push_healthy_ford(hass, entry, sim)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    hass.config_entries.async_update_entry(
        entry, options={k: v for k, v in entry.options.items() if k != CONF_MANAGEMENT_TOKEN}
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = coordinator_of(entry, ford["id"])
    assert not coordinator.push_healthy
    assert coordinator.last_push_received is not None
    assert hass.states.get("sensor.ford_f_150_data_source").state == "poll"


async def test_a_late_delivery_of_an_older_value_is_left_out(
    hass: HomeAssistant,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The simulator holds one delivery back (fault `delay`), so the next change overtakes it:
    HA shows the newer value and keeps it when the older one arrives."""
    entry = await setup_integration()
    ford, coordinator, webhook_id = await _push_healthy_ford(hass, entry, sim)
    await sim.call("POST", f"/webhooks/{webhook_id}/faults", {"type": "delay", "seconds": 60})
    await sim.patch(ford["id"], odometer=1000.0)
    await sim.call("POST", "/clock", {"advance": 1})
    await sim.patch(ford["id"], odometer=2000.0)

    async def shows(km: float) -> bool:
        return coordinator.data.readings.get(Feature.ODOMETER) == Odometer(km)

    await until(hass, lambda: shows(2000.0))
    await sim.call("POST", "/clock", {"advance": 60})

    async def late_one_delivered() -> bool:
        [listed] = await sim.call("GET", "/webhooks")
        return sum(a["delivered"] for a in listed["attempts"] if a["vehicle_id"] == ford["id"]) >= 3

    await until(hass, late_one_delivered)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await shows(2000.0)
    assert coordinator.push_healthy


async def test_when_pushes_stop_coming_the_car_is_polled_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A day without a delivery ends the trust in push: the car is read at once and then at
    the budget's rate, and its Data source says poll."""
    entry = await setup_integration()
    ford, coordinator, webhook_id = await _push_healthy_ford(hass, entry, sim, freezer)
    await sim.call("POST", f"/webhooks/{webhook_id}/faults", {"type": "drop", "times": 1000})
    assert hass.states.get("sensor.ford_f_150_data_source").state == "push"
    read_before = (await sim.stats())["vehicles"][ford["id"]]["billable"]

    freezer.tick(timedelta(hours=24, minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not coordinator.push_healthy
    assert hass.states.get("sensor.ford_f_150_data_source").state == "poll"
    assert (await sim.stats())["vehicles"][ford["id"]]["billable"] > read_before
    assert coordinator.update_interval is not None
    assert coordinator.update_interval < timedelta(hours=12)


async def test_diagnostics_show_push_but_not_its_key_or_url(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    external_url: str,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The diagnostics say whether push feeds each car, never the token or the webhook URL."""
    entry = await setup_integration()
    ford, coordinator, _ = await _push_healthy_ford(hass, entry, sim)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    text = str(diagnostics)
    assert AMT not in text
    assert entry.runtime_data.push.webhook_id not in text
    assert diagnostics["entry"]["options"][CONF_MANAGEMENT_TOKEN] == "**REDACTED**"
    assert diagnostics["push"]["live"]
    assert diagnostics["push"]["last_delivery"].endswith(": signature valid")
    [car] = [c for c in diagnostics["cars"].values() if c["model"] == ford["model"]]
    assert car["data_source"] == "push"
    assert car["last_push_received"] == coordinator.last_push_received.isoformat()
    assert car["pushes_rejected"] == 0
