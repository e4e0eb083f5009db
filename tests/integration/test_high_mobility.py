"""High Mobility through Home Assistant: the flow, the clearance lifecycle, and the cars' data."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.connected_car.clearance import REASON_ISSUES
from custom_components.connected_car.const import (
    CONF_CARS,
    CONF_VEHICLES,
    DOMAIN,
    SIMULATOR_URL_ENV,
)
from custom_components.connected_car.providers.high_mobility import origin

from .helpers import reauth_started, state_of
from .high_mobility import (
    APPROVAL_DELAY,
    BMW,
    HM_CLIENT_ID,
    HM_CLIENT_SECRET,
    MERCEDES,
    RENAULT,
    VW,
    add_to_fleet,
    advance,
    connect_hm,
    hm_cars_form,
    outcome,
    remove_from_fleet,
    start_hm_flow,
)
from .simulator_control import SimulatorControl

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host", "credentials")

PROVIDER = "high_mobility"
DATA_PATH = "/v1/vehicle-data/autoapi-13/{vin}"
FLEET_PATH = "/v1/fleets/vehicles"
TOKEN_PATH = "/v1/access_tokens"


async def _step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, span: timedelta) -> None:
    """Let span pass in five-minute steps, as Home Assistant's clock would."""
    for _ in range(int(span / timedelta(minutes=5))):
        freezer.tick(timedelta(minutes=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def _entry(hass: HomeAssistant, **cars: Any) -> MockConfigEntry:
    result = await connect_hm(hass, **cars)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry: MockConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def _approved(hass: HomeAssistant, sim: SimulatorControl, *cars: tuple[str, str]) -> None:
    """Cars the fleet operator cleared before (outside Home Assistant)."""
    await add_to_fleet(sim, *cars)
    await advance(sim, APPROVAL_DELAY)


async def _requests(sim: SimulatorControl) -> int:
    """Requests to High Mobility so far (token requests included)."""
    state = await sim.call("GET", "/stats?provider=high_mobility")
    return int(state["totals"]["requests"])


def _issue(issues: ir.IssueRegistry, vin: str, key: str) -> ir.IssueEntry | None:
    return issues.async_get_issue(DOMAIN, f"high_mobility_clearance_{vin}_{key}")


def test_without_the_simulator_the_client_talks_to_high_mobility(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Production and sandbox are High Mobility's own hosts unless the simulator is set."""
    monkeypatch.delenv(SIMULATOR_URL_ENV, raising=False)
    assert origin("production") == "https://api.high-mobility.com"
    assert origin("sandbox") == "https://sandbox.api.high-mobility.com"


# The flow.


@pytest.mark.parametrize("environment", ["production", "sandbox"])
async def test_a_car_added_by_vin_is_a_pending_device_at_once(
    hass: HomeAssistant, sim: SimulatorControl, environment: str
) -> None:
    """Environment, credentials, a VIN and brand: the entry is created while the car is pending."""
    result = await hm_cars_form(hass, environment=environment)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"vin": f" {BMW.lower()} ", "brand": "bmw"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    assert entry.unique_id == f"high_mobility:{HM_CLIENT_ID}"
    assert entry.title == "High Mobility"
    assert entry.data["environment"] == environment
    assert entry.data[CONF_CARS][BMW]["brand"] == "bmw"
    assert state_of(hass, "sensor.bmw_7213_data_access") == "pending"
    assert hass.states.get("sensor.bmw_7213_odometer") is None
    assert not entry.runtime_data.coordinators
    fleet = (await sim.call("GET", "/high_mobility"))["environments"][environment]["fleet"]
    assert [car["vin"] for car in fleet] == [BMW]


async def test_cars_of_the_fleet_are_picked(
    hass: HomeAssistant, sim: SimulatorControl, issue_registry: ir.IssueRegistry
) -> None:
    """Cleared and pending cars of the fleet are offered; the cleared ones show data at once."""
    await _approved(hass, sim, (BMW, "bmw"))
    await add_to_fleet(sim, (MERCEDES, "mercedes-benz"))
    result = await hm_cars_form(hass)
    options = result["data_schema"].schema["fleet_cars"].config["options"]
    assert [option["value"] for option in options] == [BMW, MERCEDES]
    assert options[0]["label"] == f"BMW {BMW} (approved)"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"fleet_cars": [BMW, MERCEDES]}
    )
    entry = result["result"]
    await hass.async_block_till_done()

    assert set(entry.runtime_data.coordinators) == {BMW}
    assert state_of(hass, "sensor.bmw_7213_data_access") == "approved"
    assert state_of(hass, "sensor.mercedes_benz_3456_data_access") == "pending"
    assert float(state_of(hass, "sensor.bmw_7213_odometer")) == pytest.approx(18342.7)
    assert state_of(hass, "binary_sensor.bmw_7213_door_lock") == "off"  # locked
    assert hass.states.get("lock.bmw_7213_door_lock") is None
    assert not [i for (d, i) in issue_registry.issues if d == DOMAIN]


@pytest.mark.parametrize(
    ("answer", "errors"),
    [
        ({"client_secret": "wrong"}, {"client_secret": "invalid_secret"}),
        ({"client_id": "someone-else"}, {"client_id": "invalid_client_id"}),
    ],
)
async def test_refused_credentials_say_which_and_create_nothing(
    hass: HomeAssistant, sim: SimulatorControl, answer: dict[str, str], errors: dict[str, str]
) -> None:
    """The token endpoint refuses a credential: the form says which; right ones go on."""
    result = await start_hm_flow(hass)
    form = {"client_id": HM_CLIENT_ID, "client_secret": HM_CLIENT_SECRET}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form | answer)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["step_id"] == "cars"


@pytest.mark.parametrize("fault", ["INTERNAL_SERVER_ERROR", "MALFORMED"])
async def test_an_unreachable_service_says_so(
    hass: HomeAssistant, sim: SimulatorControl, fault: str
) -> None:
    """A token endpoint that fails or answers garbage: cannot connect, nothing created."""
    result = await start_hm_flow(hass)
    await sim.inject_error(provider=PROVIDER, path=TOKEN_PATH, type=fault, code=None, times=1)
    form = {"client_id": HM_CLIENT_ID, "client_secret": HM_CLIENT_SECRET}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "cannot_connect"}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_a_fleet_that_cannot_be_read_aborts(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """The credentials work but the fleet does not answer: nothing is created."""
    result = await start_hm_flow(hass)
    await sim.inject_error(
        provider=PROVIDER, path=FLEET_PATH, type="SERVICE_UNAVAILABLE", code=None, times=1
    )
    form = {"client_id": HM_CLIENT_ID, "client_secret": HM_CLIENT_SECRET}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


@pytest.mark.parametrize(
    ("answer", "errors"),
    [
        ({}, {"base": "no_cars"}),
        ({"vin": "WBY71AW010FP8721O"}, {"vin": "invalid_vin"}),
        ({"vin": "WBY71AW010FP872"}, {"vin": "invalid_vin"}),
        ({"vin": BMW}, {"brand": "brand_required"}),
        ({"vin": VW, "brand": "volkswagen"}, {"customer_name": "customer_name_required"}),
        (
            {"vin": VW, "brand": "audi", "customer_name": "  "},
            {"customer_name": "customer_name_required"},
        ),
    ],
)
async def test_the_cars_form_checks_before_any_request(
    hass: HomeAssistant, sim: SimulatorControl, answer: dict[str, str], errors: dict[str, str]
) -> None:
    """A VIN of the wrong shape, a missing brand or VW group operator name: said, nothing sent."""
    result = await hm_cars_form(hass)
    before = await _requests(sim)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert await _requests(sim) == before
    assert not hass.config_entries.async_entries(DOMAIN)
    shown = {str(key): key for key in result["data_schema"].schema}
    assert shown["vin"].default() == answer.get("vin", "")
    if "brand" in answer:
        assert shown["brand"].description == {"suggested_value": answer["brand"]}


async def test_a_vw_group_car_sends_the_operator_name_as_its_tag(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """The fleet operator name goes as `vw-group-customer-name`; the car is pending, not rejected."""
    entry = await _entry(hass, vin=VW, brand="volkswagen", customer_name=" Example Fleet ")
    fleet = (await sim.call("GET", "/high_mobility"))["environments"]["production"]["fleet"]
    assert fleet[0]["tags"] == {"vw-group-customer-name": "Example Fleet"}
    assert entry.data[CONF_CARS][VW]["tags"] == {"vw-group-customer-name": "Example Fleet"}
    assert state_of(hass, "sensor.volkswagen_2345_data_access") == "pending"


async def test_a_car_answered_error_shows_why(hass: HomeAssistant, sim: SimulatorControl) -> None:
    """High Mobility answers the added car `error`: its description is on the form."""
    await outcome(sim, RENAULT, "refuse")
    result = await hm_cars_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"vin": RENAULT, "brand": "renault"}
    )
    assert result["errors"] == {"base": "add_refused"}
    assert result["description_placeholders"] == {
        "description": "The vehicle can not be added to the fleet"
    }
    await sim.inject_error(
        provider=PROVIDER, path=FLEET_PATH, type="BAD_GATEWAY", code=None, times=1
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"vin": BMW, "brand": "bmw"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_the_same_application_twice_is_refused(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """One entry per client id."""
    await _entry(hass, vin=BMW, brand="bmw")
    result = await start_hm_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": HM_CLIENT_ID, "client_secret": HM_CLIENT_SECRET}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert result["description_placeholders"] == {"title": "High Mobility"}


async def test_reconfigure_points_to_the_options(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """There is no login to repeat."""
    entry = await _entry(hass, vin=BMW, brand="bmw")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "use_options"


async def test_a_refused_secret_at_a_poll_asks_for_a_new_one(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """The token endpoint starts refusing the secret: reauth asks for a new one and checks it."""
    await _approved(hass, sim, (BMW, "bmw"))
    entry = await _entry(hass, fleet_cars=[BMW])
    coordinator = entry.runtime_data.coordinators[BMW]
    await sim.inject_error(provider=PROVIDER, path=TOKEN_PATH, type="NOT_AUTHORIZED", code=None)
    await sim.inject_error(
        provider=PROVIDER, vehicle_id=BMW, path=DATA_PATH, type="NOT_AUTHORIZED", code="INVALID_JWT"
    )

    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()
    assert reauth_started(hass)
    await sim.clear_errors()

    flow = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["step_id"] == "reauth_secret"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"client_secret": "wrong"}
    )
    assert result["errors"] == {"client_secret": "invalid_secret"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"client_secret": HM_CLIENT_SECRET}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_a_refused_secret_at_setup_asks_for_a_new_one(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """A stored secret the token endpoint refuses fails the setup into reauth."""
    entry = await _entry(hass, vin=BMW, brand="bmw")
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(entry, data={**entry.data, "client_secret": "old"})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert reauth_started(hass)


async def test_options_add_and_remove_cars_and_set_polling(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """The options add a car (by VIN or from the fleet), drop another, and set the interval."""
    await _approved(hass, sim, (BMW, "bmw"))
    await add_to_fleet(sim, (RENAULT, "renault"))
    entry = await _entry(hass, fleet_cars=[BMW])
    assert entry.runtime_data.coordinators[BMW].update_interval == timedelta(minutes=15)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "fleet"
    offered = result["data_schema"].schema["fleet_cars"].config["options"]
    assert [option["value"] for option in offered] == [RENAULT]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"poll_minutes": 30, "keep_cars": [BMW], "vin": "W1K2060451R12345"},
    )
    assert result["errors"] == {"vin": "invalid_vin"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "poll_minutes": 30,
            "keep_cars": [],
            "fleet_cars": [RENAULT],
            "vin": MERCEDES,
            "brand": "mercedes-benz",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert set(entry.data[CONF_CARS]) == {RENAULT, MERCEDES}
    assert BMW not in entry.data[CONF_VEHICLES]
    assert entry.options == {"poll_minutes": 30, "safety_read_hours": 24}
    assert state_of(hass, "sensor.renault_1234_data_access") == "pending"
    assert state_of(hass, "sensor.mercedes_benz_3456_data_access") == "pending"
    assert BMW not in entry.runtime_data.coordinators
    # Dropping a car leaves its data access at High Mobility alone.
    fleet = (await sim.call("GET", "/high_mobility"))["environments"]["production"]["fleet"]
    assert {car["vin"]: car["status"] for car in fleet}[BMW] == "approved"


async def test_options_without_the_fleet_abort(hass: HomeAssistant, sim: SimulatorControl) -> None:
    """The fleet does not answer: the options cannot offer its cars."""
    entry = await _entry(hass, vin=BMW, brand="bmw")
    await sim.inject_error(
        provider=PROVIDER, path=FLEET_PATH, type="GATEWAY_TIMEOUT", code=None, times=1
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


# The clearance lifecycle.


async def test_approval_adds_the_data_entities_without_a_reload(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Pending cars are read with one fleet request at a time; approval brings their entities."""
    entry = await _entry(hass, vin=BMW, brand="bmw")
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"high_mobility:{BMW}"), entry.entry_id
    )
    assert device is not None
    assert device.name == "BMW 7213"

    await advance(sim, APPROVAL_DELAY)
    await _step(hass, freezer, timedelta(minutes=5))

    assert state_of(hass, "sensor.bmw_7213_data_access") == "approved"
    assert BMW in entry.runtime_data.coordinators
    assert float(state_of(hass, "sensor.bmw_7213_odometer")) == pytest.approx(18342.7)
    assert state_of(hass, "device_tracker.bmw_7213_location") == "not_home"
    same = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"high_mobility:{BMW}"), entry.entry_id
    )
    assert same is not None
    assert same.id == device.id


async def test_pending_cars_are_read_gently_and_more_slowly_as_days_pass(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: SimulatorControl
) -> None:
    """Three pending cars: one fleet request every 5 minutes the first hour, then hourly, then
    every 6 hours after a day (never one per car). Each may need a new token (they live 5 min)."""
    for vin in (BMW, MERCEDES, RENAULT):
        await outcome(sim, vin, "pending")
    await add_to_fleet(sim, (BMW, "bmw"), (MERCEDES, "mercedes-benz"), (RENAULT, "renault"))
    await _entry(hass, fleet_cars=[BMW, MERCEDES, RENAULT])

    counts = []
    for span in (timedelta(hours=1), timedelta(hours=23), timedelta(days=1)):
        before = await _requests(sim)
        await _step(hass, freezer, span)
        counts.append(await _requests(sim) - before)
    assert counts[0] <= 2 * 13
    assert counts[1] <= 2 * 24
    assert counts[2] <= 2 * 5


@pytest.mark.parametrize("reason", sorted(REASON_ISSUES))
async def test_each_reason_becomes_its_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
    reason: str,
) -> None:
    """A rejection with any reason of the activation guide raises the repair that explains it."""
    await outcome(sim, RENAULT, "reject", reason=reason)
    await _entry(hass, vin=RENAULT, brand="renault")
    await advance(sim, APPROVAL_DELAY)
    await _step(hass, freezer, timedelta(minutes=5))

    state = hass.states.get("sensor.renault_1234_data_access")
    assert state is not None
    assert state.state == "rejected"
    assert state.attributes["reason"] == reason.lower().replace(" ", "_").replace(":", "")
    issue = _issue(issue_registry, RENAULT, REASON_ISSUES[reason])
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["car"] == "Renault 1234"
    assert issue.translation_placeholders["reason"] == reason
    assert issue.is_fixable is (reason == "customer name tag missing")


async def test_a_pending_reason_is_a_repair_that_goes_when_the_state_moves_on(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Privacy mode keeps the car pending with a repair; approval clears it."""
    await _entry(hass, vin=MERCEDES, brand="mercedes-benz")
    await outcome(sim, MERCEDES, "privacy_mode")
    await _step(hass, freezer, timedelta(minutes=5))
    assert state_of(hass, "sensor.mercedes_benz_3456_data_access") == "pending"
    assert _issue(issue_registry, MERCEDES, "clearance_privacy_mode") is not None

    await outcome(sim, MERCEDES, "approve", after=0)
    await _step(hass, freezer, timedelta(minutes=5))
    assert state_of(hass, "sensor.mercedes_benz_3456_data_access") == "approved"
    assert _issue(issue_registry, MERCEDES, "clearance_privacy_mode") is None


@pytest.mark.parametrize(
    ("kind", "state", "key"),
    [("revoke", "revoked", "clearance_revoked"), ("error", "error", "clearance_error")],
)
async def test_revoked_by_the_owner_or_failed_is_a_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
    kind: str,
    state: str,
    key: str,
) -> None:
    """The owner revokes the data access, or the clearance fails: the state and a repair say so."""
    await _entry(hass, vin=MERCEDES, brand="mercedes-benz")
    await outcome(sim, MERCEDES, kind, after=0)
    await advance(sim, APPROVAL_DELAY + 1)
    await _step(hass, freezer, timedelta(minutes=5))
    assert state_of(hass, "sensor.mercedes_benz_3456_data_access") == state
    assert _issue(issue_registry, MERCEDES, key) is not None


async def test_a_car_revoked_elsewhere_is_followed_until_it_ends(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Revoked in the console: the next poll is refused (no consent), which has the fleet read
    within 5 minutes; revoking is followed every 5 minutes, then revoked is a repair. Its data is
    no longer read."""
    await _approved(hass, sim, (BMW, "bmw"))
    entry = await _entry(hass, fleet_cars=[BMW])
    coordinator = entry.runtime_data.coordinators[BMW]
    odometer = state_of(hass, "sensor.bmw_7213_odometer")
    await remove_from_fleet(sim, BMW)
    await _step(hass, freezer, timedelta(minutes=20))
    assert state_of(hass, "sensor.bmw_7213_data_access") == "revoking"
    assert coordinator.paused

    await advance(sim, 60)
    await _step(hass, freezer, timedelta(minutes=5))
    assert state_of(hass, "sensor.bmw_7213_data_access") == "revoked"
    assert _issue(issue_registry, BMW, "clearance_revoked") is not None

    await sim.reset_stats()
    await coordinator.async_refresh_everything()
    assert (await sim.stats(PROVIDER))["vehicles"][BMW]["requests"] == 0
    assert state_of(hass, "sensor.bmw_7213_odometer") == odometer
    assert not issue_registry.async_get_issue(DOMAIN, f"high_mobility_{BMW}_missing_permission")
    assert not issue_registry.async_get_issue(DOMAIN, f"high_mobility_{BMW}_no_consent")

    # After a restart the car is not polled at all until its data access is approved again.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert BMW not in entry.runtime_data.coordinators
    assert state_of(hass, "sensor.bmw_7213_data_access") == "revoked"


async def test_the_missing_operator_name_is_fixed_in_the_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A VW group car added without the name is rejected; the fix asks it and clears the car again."""
    await add_to_fleet(sim, (VW, "volkswagen"))
    entry = await _entry(hass, fleet_cars=[VW])
    await advance(sim, APPROVAL_DELAY)
    # The setup reads the fleet (added days ago by the simulator's clock, it is read every 6 h).
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    issue = _issue(issue_registry, VW, "clearance_customer_name")
    assert issue is not None

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    await outcome(sim, VW, "refuse")
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"customer_name": "Fleet"}
    )
    result = await response.json()
    assert result["errors"] == {"base": "refused"}
    assert result["description_placeholders"]["description"] == (
        "The vehicle can not be added to the fleet"
    )
    await sim.call("DELETE", "/high_mobility/outcomes")
    await sim.inject_error(
        provider=PROVIDER, path=FLEET_PATH, type="BAD_GATEWAY", code=None, times=1
    )
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"customer_name": "Fleet"}
    )
    assert (await response.json())["errors"] == {"base": "cannot_connect"}
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"customer_name": " Example Fleet "}
    )
    assert (await response.json())["type"] == "create_entry"

    assert entry.data[CONF_CARS][VW]["tags"] == {"vw-group-customer-name": "Example Fleet"}
    assert state_of(hass, "sensor.volkswagen_2345_data_access") == "pending"
    assert _issue(issue_registry, VW, "clearance_customer_name") is None


async def test_the_name_fix_of_an_unloaded_entry_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The entry is not loaded: the fix cannot send anything."""
    await add_to_fleet(sim, (VW, "volkswagen"))
    entry = await _entry(hass, fleet_cars=[VW])
    await advance(sim, APPROVAL_DELAY)
    # The setup reads the fleet (added days ago by the simulator's clock, it is read every 6 h).
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    issue = _issue(issue_registry, VW, "clearance_customer_name")
    assert issue is not None
    assert await hass.config_entries.async_unload(entry.entry_id)

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    flow = await response.json()
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"customer_name": "Fleet"}
    )
    result = await response.json()
    assert result["type"] == "abort"
    assert result["reason"] == "entry_not_loaded"


async def _remove_device(
    hass: HomeAssistant, ws: Any, entry: MockConfigEntry, vin: str
) -> dict[str, Any]:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"high_mobility:{vin}"), entry.entry_id
    )
    assert device is not None
    await ws.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device.id,
        }
    )
    return dict(await ws.receive_json())


async def test_removing_a_device_revokes_or_cancels_by_brand(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim: SimulatorControl,
) -> None:
    """Approved: revoked. Pending of a brand that cannot cancel, or too early: the device stays
    and the error says why. A day later the cancel goes through."""
    assert await async_setup_component(hass, "config", {})
    await _approved(hass, sim, (BMW, "bmw"))
    for vin in (RENAULT, MERCEDES):
        await outcome(sim, vin, "pending")
    await add_to_fleet(sim, (RENAULT, "renault"))
    entry = await _entry(hass, fleet_cars=[BMW, RENAULT], vin=MERCEDES, brand="mercedes-benz")
    ws = await hass_ws_client(hass)

    answer = await _remove_device(hass, ws, entry, BMW)
    assert answer["success"], answer
    assert BMW not in entry.data[CONF_CARS]
    assert BMW not in entry.data[CONF_VEHICLES]
    assert BMW not in entry.runtime_data.coordinators

    answer = await _remove_device(hass, ws, entry, RENAULT)
    assert not answer["success"]
    assert "Renault cars cannot be canceled" in answer["error"]["message"]
    assert RENAULT in entry.data[CONF_CARS]

    answer = await _remove_device(hass, ws, entry, MERCEDES)
    assert not answer["success"]
    assert "only a day after it was added" in answer["error"]["message"]

    await advance(sim, 86400)
    answer = await _remove_device(hass, ws, entry, MERCEDES)
    assert answer["success"], answer
    fleet = (await sim.call("GET", "/high_mobility"))["environments"]["production"]["fleet"]
    assert {car["vin"]: car["status"] for car in fleet} == {
        BMW: "revoked",
        RENAULT: "pending",
        MERCEDES: "canceling",
    }


async def test_removing_a_car_already_ended_is_done(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, sim: SimulatorControl
) -> None:
    """409 (already removed or in transition) counts as done; a fleet outage keeps the device."""
    assert await async_setup_component(hass, "config", {})
    await _approved(hass, sim, (BMW, "bmw"), (RENAULT, "renault"))
    entry = await _entry(hass, fleet_cars=[BMW, RENAULT])
    await outcome(sim, BMW, "revoke", after=0)
    await advance(sim, 1)
    ws = await hass_ws_client(hass)

    assert (await _remove_device(hass, ws, entry, BMW))["success"]

    await sim.inject_error(
        provider=PROVIDER, vehicle_id=RENAULT, type="INTERNAL_SERVER_ERROR", code=None, times=1
    )
    answer = await _remove_device(hass, ws, entry, RENAULT)
    assert not answer["success"]
    assert RENAULT in entry.data[CONF_CARS]


async def test_removing_a_car_the_fleet_no_longer_has_is_done(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, sim: SimulatorControl
) -> None:
    """404: nothing left to end; the device goes. A broken connection keeps it."""
    assert await async_setup_component(hass, "config", {})
    entry = await _entry(hass, vin=BMW, brand="bmw")
    ws = await hass_ws_client(hass)
    await sim.inject_error(provider=PROVIDER, vehicle_id=BMW, type="MALFORMED", code=None, times=1)
    assert not (await _remove_device(hass, ws, entry, BMW))["success"]
    await sim.inject_error(
        provider=PROVIDER, vehicle_id=BMW, type="NOT_FOUND", code="CLEARANCE", times=1
    )
    assert (await _remove_device(hass, ws, entry, BMW))["success"]
    assert not entry.data[CONF_CARS]


# The cars' data.


async def test_a_failed_property_affects_only_its_entities(
    hass: HomeAssistant, sim: SimulatorControl, issue_registry: ir.IssueRegistry
) -> None:
    """An OEM error on the odometer keeps its last value; the rest updates. Privacy mode active
    on a property is a repair until the property answers again."""
    await _approved(hass, sim, (BMW, "bmw"))
    entry = await _entry(hass, fleet_cars=[BMW])
    coordinator = entry.runtime_data.coordinators[BMW]
    odometer = state_of(hass, "sensor.bmw_7213_odometer")
    await sim.call(
        "POST",
        "/high_mobility/failures",
        {"property": "diagnostics.odometer", "reason": "oem_error", "times": 1},
    )
    await coordinator.async_refresh_everything()
    assert coordinator.last_update_success
    assert state_of(hass, "sensor.bmw_7213_odometer") == odometer
    assert coordinator.data.errors[next(iter(coordinator.data.errors))].code == "oem_error"

    await sim.call(
        "POST",
        "/high_mobility/failures",
        {"property": "vehicle_location.coordinates", "reason": "privacy_mode_active", "times": 1},
    )
    await coordinator.async_refresh_everything()
    issue_id = f"high_mobility_{BMW}_privacy_mode"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert not reauth_started(hass)
    await coordinator.async_refresh_everything()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    ("error_type", "code", "issue"),
    [
        ("NOT_AUTHORIZED", "CONSENT_REMOVED", "consent_removed"),
        ("FORBIDDEN", "NO_CONSENT", "no_consent"),
        ("FORBIDDEN", "PRIVACY_MODE", "privacy_mode"),
        ("FORBIDDEN", "NO_FLEET", "no_fleet"),
    ],
)
async def test_consent_and_privacy_statuses_are_repairs_not_reauth(
    hass: HomeAssistant,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
    error_type: str,
    code: str,
    issue: str,
) -> None:
    """401 consent removed and 403 privacy mode: a repair for the car, never a new login."""
    await _approved(hass, sim, (BMW, "bmw"))
    entry = await _entry(hass, fleet_cars=[BMW])
    coordinator = entry.runtime_data.coordinators[BMW]
    await sim.inject_error(
        provider=PROVIDER, vehicle_id=BMW, path=DATA_PATH, type=error_type, code=code
    )
    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, f"high_mobility_{BMW}_{issue}") is not None
    assert not reauth_started(hass)


async def test_an_asleep_car_keeps_its_values(hass: HomeAssistant, sim: SimulatorControl) -> None:
    """408: the last values stand."""
    await _approved(hass, sim, (BMW, "bmw"))
    entry = await _entry(hass, fleet_cars=[BMW])
    coordinator = entry.runtime_data.coordinators[BMW]
    odometer = state_of(hass, "sensor.bmw_7213_odometer")
    await sim.inject_error(
        provider=PROVIDER, vehicle_id=BMW, path=DATA_PATH, type="REQUEST_TIMEOUT", code=None
    )
    await coordinator.async_refresh_everything()
    assert coordinator.is_unreachable
    assert state_of(hass, "sensor.bmw_7213_odometer") == odometer


async def test_no_data_yet_right_after_approval_is_normal(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """422: an approved car that has sent nothing yet loads fine and is tried again, quietly."""
    await _approved(hass, sim, (BMW, "bmw"))
    await sim.inject_error(
        provider=PROVIDER, vehicle_id=BMW, path=DATA_PATH, type="PENDING", code=None, times=2
    )
    entry = await _entry(hass, fleet_cars=[BMW])
    assert state_of(hass, "sensor.bmw_7213_data_access") == "approved"
    assert BMW not in entry.runtime_data.coordinators
    assert not [i for (d, i) in issue_registry.issues if d == DOMAIN]

    await _step(hass, freezer, timedelta(minutes=15))
    assert BMW in entry.runtime_data.coordinators
    assert state_of(hass, "sensor.bmw_7213_odometer") != STATE_UNAVAILABLE
