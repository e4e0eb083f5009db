"""Moving a Smartcar v2 entry to the v3 API in place, and reconnecting a v3 entry for more scopes."""

import asyncio
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntry, ConfigFlowResult
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.config_flow import MOVE_TO_V3
from custom_components.connected_car.const import (
    CONF_API_VERSION,
    CONF_APPLICATION_ID,
    CONF_MONTHLY_BUDGET,
    CONF_USER_ID,
    CONF_VEHICLES,
    DOMAIN,
)
from custom_components.connected_car.issues import V2_END_ISSUE
from custom_components.connected_car.providers import provider_of
from custom_components.connected_car.providers.smartcar_v3 import SmartcarV3Provider

from .conftest import SetupIntegration, add_v3_credentials
from .helpers import state_of
from .simulator_control import (
    V3_APPLICATION_ID,
    V3_AUTH_DOMAIN,
    SimulatorControl,
    finish_connect,
    start_flow,
)
from .test_repairs import fix, submit

pytestmark = pytest.mark.usefixtures("current_request_with_host", "hass_client_no_auth")

LOCK = "lock.ford_f_150_door_lock"
# Entities of data Smartcar's v3 API does not serve (v3's nominal capacity is the battery
# capacity sensor's, which stays).
V2_ONLY = {"diagnostics", "last_service", "trouble_codes", "nominal_battery_capacity"}


def _v2_end_issue(hass: HomeAssistant, entry: ConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{V2_END_ISSUE}_{entry.entry_id}")


def _entities(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, str]:
    """Unique id -> entity id of the entry's entities."""
    registry = er.async_get(hass)
    return {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


def _devices(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, set[tuple[str, str]]]:
    registry = dr.async_get(hass)
    return {
        d.id: d.identifiers for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
    }


async def _start_move(hass: HomeAssistant, entry: ConfigEntry) -> ConfigFlowResult:
    """Reconfigure's menu, then its move step, as the entry's menu does."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["connect_again", MOVE_TO_V3]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": MOVE_TO_V3}
    )


async def _answer_move(
    hass: HomeAssistant, result: ConfigFlowResult, implementation: str = V3_AUTH_DOMAIN
) -> ConfigFlowResult:
    assert result["step_id"] == MOVE_TO_V3
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"implementation": implementation, CONF_APPLICATION_ID: f" {V3_APPLICATION_ID} "},
    )


async def _requests(sim: SimulatorControl, provider: str) -> int:
    stats = await sim.call("GET", f"/stats?provider={provider}")
    return int(stats["totals"]["requests"])


async def _poll_all(hass: HomeAssistant, entry: ConfigEntry) -> None:
    coordinators = entry.runtime_data.coordinators.values()
    await asyncio.gather(*(c.async_refresh_everything() for c in coordinators))
    await hass.async_block_till_done()


async def test_a_v2_entry_moves_to_v3_in_place(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Same entry, devices, entity ids and unique ids; states still shown; polls go to v3; the
    warning of v2's end goes."""
    entry = await setup_integration()
    hass.config_entries.async_update_entry(entry, options={CONF_MONTHLY_BUDGET: 700})
    await hass.async_block_till_done()
    await add_v3_credentials(hass)
    issue = _v2_end_issue(hass, entry)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "entry": entry.title,
        "url": "https://smartcar.com/docs/getting-started/how-to/m2m/migration-guide",
    }
    entities, devices = _entities(hass, entry), _devices(hass, entry)
    vehicle_ids, unique_id = set(entry.data[CONF_VEHICLES]), entry.unique_id
    assert state_of(hass, LOCK) not in (None, STATE_UNAVAILABLE)

    result = await _start_move(hass, entry)
    # The v3 credential is offered first.
    offered = list(result["data_schema"].schema["implementation"].container)  # type: ignore[union-attr]
    assert offered[0] == V3_AUTH_DOMAIN
    result = await _answer_move(hass, result)
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert URL(result["url"]).query["client_id"] == V3_APPLICATION_ID
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "moved_to_v3"
    await hass.async_block_till_done()

    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.unique_id == unique_id
    assert entry.data[CONF_API_VERSION] == "v3"
    assert entry.data[CONF_APPLICATION_ID] == V3_APPLICATION_ID
    assert entry.data[CONF_USER_ID] == unique_id.removeprefix("smartcar:")  # type: ignore[union-attr]
    assert entry.data["auth_implementation"] == V3_AUTH_DOMAIN
    assert entry.options[CONF_MONTHLY_BUDGET] == 700
    assert set(entry.data[CONF_VEHICLES]) == vehicle_ids
    assert isinstance(provider_of(entry.data), SmartcarV3Provider)
    assert isinstance(entry.runtime_data.provider, SmartcarV3Provider)
    assert _devices(hass, entry) == devices
    # Every entity keeps its entity id and unique id, but for the data only v2 has; the charging
    # port sensor gives way to the charge port door, which v3 can open and close.
    gone = entities.items() - _entities(hass, entry).items()
    assert {unique_id.rpartition(":")[2] for unique_id, _ in gone} == V2_ONLY | {"charging_port"}
    assert state_of(hass, "cover.volkswagen_id_4_charge_port_door") == "open"
    assert state_of(hass, LOCK) not in (None, STATE_UNAVAILABLE)
    assert _v2_end_issue(hass, entry) is None

    await sim.reset_stats()
    await _poll_all(hass, entry)
    assert await _requests(sim, "smartcar_v3") >= len(vehicle_ids)
    assert await _requests(sim, "smartcar") == 0
    ford = await sim.vehicle("Ford")
    await sim.patch(ford["id"], locked=False)
    await _poll_all(hass, entry)
    assert state_of(hass, LOCK) == "unlocked"

    # After a restart the entry stays on v3 and raises no warning.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _v2_end_issue(hass, entry) is None


async def test_another_smartcar_user_does_not_take_over_the_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Connect signed in as another user: the move aborts, naming the entry, which stays v2."""
    entry = await setup_integration()
    await add_v3_credentials(hass)
    result = await _answer_move(hass, await _start_move(hass, entry))
    result = await finish_connect(
        hass, await hass_client_no_auth(), sim, result, sim_user="someone-else"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "move_wrong_user"
    assert result["description_placeholders"] == {"provider": "Smartcar", "title": entry.title}
    assert CONF_API_VERSION not in entry.data
    assert _v2_end_issue(hass, entry) is not None


async def test_a_v2_credential_cannot_move_the_entry(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The credential picked is v2's (IAM grants it no app token): the move says so."""
    entry = await setup_integration()
    await add_v3_credentials(hass)
    result = await _start_move(hass, entry)
    v2 = entry.data["auth_implementation"]
    result = await _answer_move(hass, result, implementation=v2)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "move_needs_v3_credential"
    assert result["description_placeholders"] == {"credential": "Smartcar simulator app"}
    assert CONF_API_VERSION not in entry.data


async def test_the_move_asks_for_the_application_id(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """An empty Application ID is asked again."""
    entry = await setup_integration()
    await add_v3_credentials(hass)
    result = await _start_move(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": V3_AUTH_DOMAIN, CONF_APPLICATION_ID: "  "}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_APPLICATION_ID: "required"}
    result = await _answer_move(hass, result)
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["reason"] == "moved_to_v3"


async def test_the_repair_opens_the_move(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The warning's fix explains, then hands over to the move, which closes the repair."""
    entry = await setup_integration()
    await add_v3_credentials(hass)
    issue = _v2_end_issue(hass, entry)
    assert issue is not None
    client = await hass_client()
    flow = await fix(client, issue.issue_id)
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["entry"] == entry.title
    result: dict[str, Any] = await submit(client, flow["flow_id"])
    assert result["type"] == "abort"
    assert result["reason"] == "move_started"
    flow_type, flow_id = result["next_flow"]
    assert flow_type == "config_flow"
    assert _v2_end_issue(hass, entry) is not None

    [moving] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert moving["flow_id"] == flow_id
    assert moving["step_id"] == MOVE_TO_V3
    started = await hass.config_entries.flow.async_configure(flow_id)
    result2 = await _answer_move(hass, started)
    result2 = await finish_connect(hass, await hass_client_no_auth(), sim, result2)
    assert result2["reason"] == "moved_to_v3"
    await hass.async_block_till_done()
    assert _v2_end_issue(hass, entry) is None


async def test_options_of_a_v2_entry_offer_polling_and_point_to_the_move(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """A v2 entry's options: a menu of the polling form and the move, which is reconfigure's."""
    entry = await setup_integration()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["polling", MOVE_TO_V3]
    moved = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": MOVE_TO_V3}
    )
    assert moved["type"] is FlowResultType.ABORT
    assert moved["reason"] == "move_in_reconfigure"
    assert moved["description_placeholders"] == {"entry": entry.title}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MONTHLY_BUDGET: 900}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_MONTHLY_BUDGET] == 900


@pytest.mark.usefixtures("v3_credentials")
async def test_reconfigure_adds_the_scopes_the_cars_need(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
) -> None:
    """A v3 user who granted less (no location) reconnects: Connect asks every scope again, the
    cars' permissions are read anew and the location appears, on the same entry and devices."""
    result = await start_flow(hass, provider="smartcar_v3")
    url = URL(result["url"])
    scopes = [s for s in url.query["scope"].split() if s != "read_location"]
    result = {**result, "url": str(url.update_query(scope=" ".join(scopes)))}  # type: ignore[typeddict-item]
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    ford = await sim.vehicle("Ford")
    assert "read_location" not in entry.data[CONF_VEHICLES][ford["id"]]["permissions"]
    assert hass.states.get("device_tracker.ford_f_150_location") is None
    devices = _devices(hass, entry)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["type"] is FlowResultType.FORM  # a v3 entry: no move offered
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mode": "simulated", CONF_APPLICATION_ID: V3_APPLICATION_ID}
    )
    assert "read_location" in URL(result["url"]).query["scope"].split()
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert "read_location" in entry.data[CONF_VEHICLES][ford["id"]]["permissions"]
    assert state_of(hass, "device_tracker.ford_f_150_location") not in (None, STATE_UNAVAILABLE)
    assert _devices(hass, entry) == devices


async def test_a_car_that_does_not_tell_its_permissions_keeps_its_record(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Connecting again reads each known car's permissions; a car that fails to answer keeps
    what the entry knows of it (its discovered data included)."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    before = dict(entry.data[CONF_VEHICLES][ford["id"]])
    await sim.inject_error(
        vehicle_id=ford["id"], path="/permissions", type="SERVER", code="INTERNAL"
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect_again"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mode": "simulated"}
    )
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_VEHICLES][ford["id"]] == before
