"""When the car or the account needs the user: repairs, reauth, backoff and pauses."""

from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_car.const import CONF_VEHICLES, DOMAIN
from custom_components.connected_car.coordinator import VehicleCoordinator
from custom_components.connected_car.schedule import next_month

from .conftest import SetupIntegration
from .helpers import problem_issues, reauth_started, state_of
from .simulator_control import SimulatorControl, finish_connect


async def ford_coordinator(
    setup_integration: SetupIntegration, sim: SimulatorControl
) -> tuple[str, VehicleCoordinator]:
    """Set up, and return the Ford's id and coordinator."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    return ford["id"], entry.runtime_data.coordinators[ford["id"]]


async def requests_of(sim: SimulatorControl, vehicle_id: str) -> int:
    """HTTP requests that reached the car since the last reset."""
    return int((await sim.stats())["vehicles"][vehicle_id]["requests"])


async def pass_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass in steps of at most 30 s, running whatever falls due."""
    while seconds > 0:
        step = min(30.0, seconds)
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        seconds -= step


async def fix(client: Any, issue_id: str) -> dict[str, Any]:
    """Open the issue's fix flow through the repairs API, as the UI does."""
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def submit(client: Any, flow_id: str) -> dict[str, Any]:
    """Submit a fix flow's step."""
    response = await client.post(f"/api/repairs/issues/fix/{flow_id}", json={})
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def test_missing_permission_on_one_path(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A 403 on /location: only the tracker goes; one repair says in words what is not shared;
    its fix reconnects the account, says so instead of "repaired", and the repair closes only
    once the new grant shares the location.
    """
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(vehicle_id=ford_id, path="/location", type="PERMISSION", code=None)

    await coordinator.async_refresh()

    assert state_of(hass, "device_tracker.ford_f_150_location") == STATE_UNAVAILABLE
    assert state_of(hass, "sensor.ford_f_150_odometer") != STATE_UNAVAILABLE
    issue_id = f"smartcar_{ford_id}_missing_permission_read_location"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "missing_permission"
    placeholders = {
        "car": "Ford F-150",
        "data": "location",
        "provider": "Smartcar",
        "url": "https://smartcar.com/docs/errors/api-errors/permission-errors",
    }
    assert issue.translation_placeholders == placeholders
    assert issue.is_fixable
    assert not reauth_started(hass)

    await sim.reset_stats()
    await coordinator.async_refresh()
    assert "/location" not in (await sim.stats())["vehicles"][ford_id]["by_path"]
    assert not reauth_started(hass)

    client = await hass_client()
    flow = await fix(client, issue.issue_id)
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == placeholders
    result = await submit(client, flow["flow_id"])
    assert result["type"] == "abort"
    assert result["reason"] == "reauth_started"
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    [reauth] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert reauth["step_id"] == "reauth_permission"
    result = await hass.config_entries.flow.async_configure(reauth["flow_id"])
    assert result["description_placeholders"]["data"] == "location"
    await sim.clear_errors()
    result = await hass.config_entries.flow.async_configure(reauth["flow_id"], {})
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await entry.runtime_data.coordinators[ford_id].async_refresh_everything()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert state_of(hass, "device_tracker.ford_f_150_location") != STATE_UNAVAILABLE


async def test_account_repair_rechecks_before_closing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """SUBSCRIPTION: a repair with Smartcar's link; its fix closes only once the problem is gone."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(
        vehicle_id=ford_id, path="/batch", type="CONNECTED_SERVICES_ACCOUNT", code="SUBSCRIPTION"
    )
    await coordinator.async_refresh()

    issue_id = f"smartcar_{ford_id}_subscription"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "subscription"
    assert issue.learn_more_url is not None
    assert issue.learn_more_url.startswith("https://smartcar.com/docs/errors/")
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["car"] == "Ford F-150"

    client = await hass_client()
    flow = await fix(client, issue_id)
    assert flow["step_id"] == "confirm"
    placeholders = {
        "car": "Ford F-150",
        "code": "SUBSCRIPTION",
        "provider": "Smartcar",
        "url": issue.learn_more_url,
    }
    assert flow["description_placeholders"] == placeholders
    result = await submit(client, flow["flow_id"])
    assert result["type"] == "form"
    assert result["errors"] == {"base": "still_there"}
    assert result["description_placeholders"] == placeholders
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    await sim.clear_errors()
    result = await submit(client, flow["flow_id"])
    assert result["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert state_of(hass, "sensor.ford_f_150_odometer") != STATE_UNAVAILABLE


async def test_authentication_failed_repair_starts_reauth(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The maker's account refused Smartcar: the repair's fix reconnects the account."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(
        vehicle_id=ford_id,
        path="/batch",
        type="CONNECTED_SERVICES_ACCOUNT",
        code="AUTHENTICATION_FAILED",
        times=1,
    )
    await coordinator.async_refresh()
    assert not reauth_started(hass)
    issue = issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_authentication_failed")
    assert issue is not None
    assert issue.learn_more_url is not None
    assert "reauthenticate" in issue.learn_more_url

    client = await hass_client()
    flow = await fix(client, issue.issue_id)
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == {
        "car": "Ford F-150",
        "code": "AUTHENTICATION_FAILED",
        "provider": "Smartcar",
        "url": issue.learn_more_url,
    }
    await submit(client, flow["flow_id"])
    await hass.async_block_till_done()
    assert reauth_started(hass)


@pytest.mark.parametrize("data", [None, {"fix": "unknown"}, {"fix": "reauth"}])
async def test_issue_with_unknown_data_gets_a_plain_confirmation(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    data: dict[str, Any] | None,
) -> None:
    """A fixable issue whose data this version does not know: confirming just closes it."""
    await setup_integration()
    placeholders = {
        "car": "Ford F-150",
        "code": "PLAN",
        "provider": "Smartcar",
        "url": "https://smartcar.com/pricing",
    }
    ir.async_create_issue(
        hass,
        DOMAIN,
        "odd_issue",
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="billing",
        translation_placeholders=placeholders,
        data=data,
    )

    client = await hass_client()
    flow = await fix(client, "odd_issue")
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == placeholders
    result = await submit(client, flow["flow_id"])
    assert result["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, "odd_issue") is None


async def test_dead_refresh_token_starts_reauth(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """When Smartcar refuses the refresh token, the reauth flow starts; nothing else."""
    entry = await setup_integration()
    await sim.inject_error(path="/oauth/token", type="AUTHENTICATION", code=None, status=400)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )
    coordinator = next(iter(entry.runtime_data.coordinators.values()))

    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert reauth_started(hass)
    assert not coordinator.last_update_success


async def test_token_endpoint_outage_is_retried(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A 5xx from the token endpoint is not an auth failure: no reauth, the poll is retried."""
    entry = await setup_integration()
    await sim.inject_error(path="/oauth/token", type="SERVER", code="INTERNAL", times=1)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )
    coordinator = next(iter(entry.runtime_data.coordinators.values()))

    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert not reauth_started(hass)
    await coordinator.async_refresh()
    assert coordinator.last_update_success


async def test_rate_limit_sends_nothing_until_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A 429 with Retry-After 120: nothing at all goes out for 120 seconds, then polling resumes."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(
        vehicle_id=ford_id,
        path="/batch",
        type="RATE_LIMIT",
        code="VEHICLE",
        retry_after=120,
        times=1,
    )
    await coordinator.async_refresh()
    assert not reauth_started(hass)
    await sim.reset_stats()

    await pass_time(hass, freezer, 60)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "lock", "lock", {"entity_id": "lock.ford_f_150_door_lock"}, blocking=True
        )
    assert raised.value.translation_key == "rate_limited"
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.ford_f_150_refresh"}, blocking=True
        )
    await pass_time(hass, freezer, 58)
    assert await requests_of(sim, ford_id) == 0

    await pass_time(hass, freezer, 5)
    assert await requests_of(sim, ford_id) == 1
    assert coordinator.last_update_success
    assert not problem_issues(hass)


@pytest.mark.parametrize("path", ["/batch", "/odometer"])
async def test_lasting_rate_limit_gets_a_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    path: str,
) -> None:
    """Rate limited (whole request or one path) for over an hour: a repair, until it passes."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(
        vehicle_id=ford_id, path=path, type="RATE_LIMIT", code="VEHICLE", retry_after=600
    )
    await coordinator.async_refresh()
    await pass_time(hass, freezer, 30 * 60)
    assert issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_rate_limited") is None

    await pass_time(hass, freezer, 45 * 60)
    assert issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_rate_limited") is not None
    assert state_of(hass, "sensor.ford_f_150_odometer") != STATE_UNAVAILABLE
    assert not reauth_started(hass)

    await sim.clear_errors()
    await pass_time(hass, freezer, 11 * 60)
    assert coordinator.last_update_success
    assert issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_rate_limited") is None


async def test_used_up_budget_pauses_until_it_renews(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """VEHICLE_REQUEST_LIMIT: a repair, last values kept, no polling until next month."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    odometer = state_of(hass, "sensor.ford_f_150_odometer")
    await sim.inject_error(
        vehicle_id=ford_id, path="/batch", type="BILLING", code="VEHICLE_REQUEST_LIMIT", times=1
    )
    await coordinator.async_refresh()

    issue = issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_budget_used_up")
    assert issue is not None
    renews = next_month(dt_util.utcnow())
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["renews"] == renews.date().isoformat()
    assert state_of(hass, "sensor.ford_f_150_odometer") == odometer

    await sim.reset_stats()
    await pass_time(hass, freezer, 2 * coordinator.update_interval.total_seconds())  # type: ignore[union-attr]
    assert await requests_of(sim, ford_id) == 0
    assert state_of(hass, "sensor.ford_f_150_odometer") == odometer

    freezer.move_to(renews + timedelta(minutes=1))
    await coordinator.async_refresh()
    assert await requests_of(sim, ford_id) == 1
    assert issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_budget_used_up") is None


async def test_asleep_car_keeps_its_values_and_logs_once(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """ASLEEP: last values stay, shown with their age; one line when it sleeps, one when back."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    odometer = state_of(hass, "sensor.ford_f_150_odometer")
    data_age = state_of(hass, "sensor.ford_f_150_last_data")
    await sim.patch(ford_id, asleep=True, odometer=99999)
    caplog.set_level(logging.INFO, logger="custom_components.connected_car")

    for _ in range(3):
        await coordinator.async_refresh()

    assert state_of(hass, "sensor.ford_f_150_odometer") == odometer
    assert state_of(hass, "sensor.ford_f_150_last_data") == data_age
    assert coordinator.is_unreachable
    assert caplog.text.count("asleep or unreachable") == 1
    assert "Error fetching" not in caplog.text
    assert not problem_issues(hass)

    await sim.patch(ford_id, asleep=False)
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert float(state_of(hass, "sensor.ford_f_150_odometer")) == 99999
    assert caplog.text.count("answers again") == 1


async def test_unsupported_path_is_never_asked_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """COMPATIBILITY on a path, proven over half a day, drops it for that car, also after a restart.

    The first answers are no proof: the last value stays and the path is still read.
    """
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    entry = coordinator.config_entry
    tire = state_of(hass, "sensor.ford_f_150_tire_pressure_front_left")
    await sim.inject_error(
        vehicle_id=ford_id, path="/tires/pressure", type="COMPATIBILITY", code="VEHICLE_NOT_CAPABLE"
    )
    for _ in range(2):
        await coordinator.async_refresh()
        assert state_of(hass, "sensor.ford_f_150_tire_pressure_front_left") == tire
        assert "tires" in entry.data[CONF_VEHICLES][ford_id]["features"]
        freezer.tick(timedelta(hours=6))
    await coordinator.async_refresh()
    assert state_of(hass, "sensor.ford_f_150_tire_pressure_front_left") == STATE_UNAVAILABLE
    assert "tires" not in entry.data[CONF_VEHICLES][ford_id]["features"]

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await sim.reset_stats()
    await entry.runtime_data.coordinators[ford_id].async_refresh()
    by_path = (await sim.stats())["vehicles"][ford_id]["by_path"]
    assert "/tires/pressure" not in by_path
    assert "/odometer" in by_path


@pytest.mark.parametrize(
    "fault",
    [
        {"type": "SERVER", "code": "INTERNAL"},
        {"type": "UPSTREAM", "code": "NO_RESPONSE"},
        {"type": "MALFORMED", "code": None},
    ],
)
async def test_one_hour_outage_costs_at_most_ten_requests(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    fault: dict[str, Any],
) -> None:
    """Failed polls back off exponentially: an hour of 5xx or timeouts stays within 10 requests."""
    entry = await setup_integration()
    hass.config_entries.async_update_entry(entry, options={"monthly_budget": 1_000_000})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    ford = await sim.vehicle("Ford")
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    assert coordinator.update_interval == timedelta(minutes=5)
    await sim.inject_error(vehicle_id=ford["id"], **fault)
    await sim.reset_stats()

    await pass_time(hass, freezer, 3600)
    requests = await requests_of(sim, ford["id"])
    assert 3 <= requests <= 10
    assert state_of(hass, "sensor.ford_f_150_odometer") == STATE_UNAVAILABLE

    await sim.clear_errors()
    await pass_time(hass, freezer, 3600)
    assert coordinator.last_update_success
    assert state_of(hass, "sensor.ford_f_150_odometer") != STATE_UNAVAILABLE


async def test_timeout_is_retried_with_backoff(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A request that hangs times out: a failed poll retried after 1, then 2 minutes."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(vehicle_id=ford_id, type="TIMEOUT", code=None, delay=2, times=2)

    with patch(
        "custom_components.connected_car.api.smartcar.REQUEST_TIMEOUT", new=_short_timeout()
    ):
        await coordinator.async_refresh()
        assert isinstance(coordinator.last_exception, UpdateFailed)
        assert coordinator.last_exception.translation_key == "communication_error"
        assert coordinator.last_exception.retry_after == 60
        await coordinator.async_refresh()
        assert isinstance(coordinator.last_exception, UpdateFailed)
        assert coordinator.last_exception.retry_after == 120
    assert state_of(hass, "sensor.ford_f_150_odometer") == STATE_UNAVAILABLE
    await sim.clear_errors()
    await coordinator.async_refresh()
    assert coordinator.last_update_success


def _short_timeout() -> Any:
    import aiohttp

    return aiohttp.ClientTimeout(total=0.2)


async def test_malformed_answer_is_a_failed_poll(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Truncated JSON: a failed update with a translated message, never an unhandled error."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(vehicle_id=ford_id, type="MALFORMED", code=None, times=1)

    await coordinator.async_refresh()

    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    assert getattr(coordinator.last_exception, "translation_key", None) == "communication_error"
    assert "Unexpected error" not in caplog.text
    await coordinator.async_refresh()
    assert coordinator.last_update_success


async def test_virtual_key_blocks_commands_only(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """VIRTUAL_KEY_REQUIRED: a repair linking to the key; reads go on; it closes after a command."""
    entry = await setup_integration()
    vw = await sim.vehicle("Volkswagen")
    coordinator = entry.runtime_data.coordinators[vw["id"]]
    await sim.inject_error(
        vehicle_id=vw["id"],
        path="/charge",
        type="CONNECTED_SERVICES_ACCOUNT",
        code="VIRTUAL_KEY_REQUIRED",
        times=1,
    )

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": "switch.volkswagen_id_4_charging"}, blocking=True
        )
    assert raised.value.translation_key == "virtual_key_required"
    issue = issue_registry.async_get_issue(DOMAIN, f"smartcar_{vw['id']}_virtual_key_required")
    assert issue is not None
    assert not issue.is_fixable
    assert issue.learn_more_url == "https://www.tesla.com/_ak/smartcar.com"

    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert (
        issue_registry.async_get_issue(DOMAIN, f"smartcar_{vw['id']}_virtual_key_required")
        is not None
    )

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.volkswagen_id_4_charging"}, blocking=True
    )
    assert (
        issue_registry.async_get_issue(DOMAIN, f"smartcar_{vw['id']}_virtual_key_required") is None
    )


@pytest.mark.parametrize(
    ("error", "translation_key", "reauth"),
    [
        # refused again after one new token
        ({"type": "AUTHENTICATION", "code": None, "times": 2}, "authentication_failed", True),
        ({"type": "RATE_LIMIT", "code": "VEHICLE", "retry_after": 30}, "rate_limited", False),
        ({"type": "BILLING", "code": "VEHICLE_REQUEST_LIMIT"}, "budget_used_up", False),
        ({"type": "CONNECTED_SERVICES_ACCOUNT", "code": "SUBSCRIPTION"}, "command_failed", False),
        ({"type": "BILLING", "code": "INVALID_PLAN"}, "command_failed", False),
        ({"type": "PERMISSION", "code": None}, "command_not_permitted", False),
        ({"type": "SERVER", "code": "INTERNAL"}, "command_failed", False),
        ({"type": "TIMEOUT", "code": None, "delay": 5}, "communication_error", False),
    ],
)
async def test_command_errors_are_translated(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    error: dict[str, Any],
    translation_key: str,
    reauth: bool,
) -> None:
    """A failed command raises the translated reason, never a stack trace."""
    ford_id, _ = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(vehicle_id=ford_id, path="/security", **({"times": 1} | error))

    with (
        patch("custom_components.connected_car.api.smartcar.REQUEST_TIMEOUT", new=_short_timeout()),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await hass.services.async_call(
            "lock", "lock", {"entity_id": "lock.ford_f_150_door_lock"}, blocking=True
        )
    await hass.async_block_till_done()

    assert raised.value.translation_key == translation_key
    assert str(raised.value)
    assert "{" not in str(raised.value)  # every placeholder filled
    assert reauth_started(hass) is reauth


async def test_long_outage_keeps_backing_off(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """After days of failures the retry delay stays capped; no unhandled error."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(vehicle_id=ford_id, type="SERVER", code="INTERNAL")
    for _ in range(60):
        await coordinator.async_refresh()
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.retry_after == coordinator.update_interval.total_seconds()  # type: ignore[union-attr]


async def test_removing_the_entry_removes_its_repairs(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """No repair outlives its entry."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(
        vehicle_id=ford_id, path="/batch", type="CONNECTED_SERVICES_ACCOUNT", code="SUBSCRIPTION"
    )
    await coordinator.async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, f"smartcar_{ford_id}_subscription") is not None

    await hass.config_entries.async_remove(coordinator.config_entry.entry_id)
    await hass.async_block_till_done()
    assert not [i for (d, i) in issue_registry.issues if d == DOMAIN]


async def test_used_up_budget_refuses_commands_saying_when_it_renews(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """While the budget is paused a command sends nothing and names the renewal date."""
    ford_id, coordinator = await ford_coordinator(setup_integration, sim)
    await sim.inject_error(
        vehicle_id=ford_id, path="/batch", type="BILLING", code="VEHICLE_REQUEST_LIMIT", times=1
    )
    await coordinator.async_refresh()
    await sim.reset_stats()

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "lock", "lock", {"entity_id": "lock.ford_f_150_door_lock"}, blocking=True
        )
    assert raised.value.translation_key == "budget_used_up"
    assert next_month(dt_util.utcnow()).date().isoformat() in str(raised.value)
    assert await requests_of(sim, ford_id) == 0
