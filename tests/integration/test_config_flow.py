"""The config flow: Connect, its errors, one entry per account, reauth, reconfigure and options."""

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.const import (
    CONF_MODE,
    CONF_MONTHLY_BUDGET,
    CONF_VEHICLES,
    DOMAIN,
)
from custom_components.connected_car.providers.smartcar import SmartcarProvider

from .conftest import SetupIntegration
from .helpers import open_polling_options
from .simulator_control import SimulatorControl, connect, finish_connect, start_flow

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")


async def start_reauth(hass: HomeAssistant, entry: ConfigEntry) -> ConfigFlowResult:
    """Start reauth as Home Assistant does when the account needs connecting again."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id}, data=entry.data
    )


async def start_reconfigure(hass: HomeAssistant, entry: ConfigEntry) -> ConfigFlowResult:
    """Start reconfigure as the entry's menu does."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )


async def test_connect_creates_one_entry_with_every_car(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """Connect with all cars: the entry knows the account and every car; tokens are stored."""
    result = await connect(hass, await hass_client_no_auth(), sim)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "Smartcar: Ford F-150, Tesla Model 3 and 2 more"
    assert entry.unique_id
    assert entry.data[CONF_MODE] == "simulated"
    assert entry.data["token"]["refresh_token"]
    simulated = {v["id"]: v for v in await sim.vehicles()}
    assert set(entry.data[CONF_VEHICLES]) == set(simulated)
    for vehicle_id, record in entry.data[CONF_VEHICLES].items():
        assert record["vin"] == simulated[vehicle_id]["vin"]
        assert "control_security" in record["permissions"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_connect_asks_for_mode_and_scope(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """The authorize URL carries the chosen mode and the default scope."""
    result = await start_flow(hass, mode="live")
    assert "mode=live" in result["url"]
    for permission in ("read_battery", "read_location", "control_security", "control_charge"):
        assert permission in result["url"]
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["result"].data[CONF_MODE] == "live"


@pytest.mark.parametrize(
    "error",
    [
        "access_denied",
        "no_vehicles",
        "vehicle_incompatible",
        "invalid_subscription",
        "configuration_error",
        "server_error",
    ],
)
async def test_connect_errors_abort_with_their_reason(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    error: str,
) -> None:
    """Each error Connect returns aborts with its own translated reason and creates nothing."""
    result = await connect(hass, await hass_client_no_auth(), sim, sim_error=error)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == error
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_same_account_twice_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """A second add of the same Smartcar account aborts and names the entry that has it."""
    entry = await setup_integration()

    result = await connect(hass, await hass_client_no_auth(), sim)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert result["description_placeholders"] == {"title": entry.title}


async def test_accounts_sharing_a_car_show_it_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """Two accounts share a car: it is one device, in the entry that had it first.

    The second entry holds the other cars and is named by them; an account whose every car is
    already in Home Assistant is not added at all, and the flow says which entry has them.
    """
    cars = {car["make"]: car["id"] for car in await sim.vehicles()}
    first = await setup_integration(sim_approve=f"{cars['TESLA']},{cars['FORD']}")
    assert first.title == "Smartcar: Ford F-150, Tesla Model 3"

    result = await connect(
        hass,
        await hass_client_no_auth(),
        sim,
        sim_user="second",
        sim_approve=f"{cars['TESLA']},{cars['TOYOTA']}",
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    second = result["result"]
    await hass.async_block_till_done()
    assert second.title == "Smartcar: Toyota RAV4 Prime"
    assert set(second.runtime_data.coordinators) == {cars["TOYOTA"]}
    devices = dr.async_get(hass)
    tesla = (DOMAIN, f"smartcar:{cars['TESLA']}")
    assert devices.async_get_device_by_identifier(tesla, first.entry_id) is not None
    assert devices.async_get_device_by_identifier(tesla, second.entry_id) is None

    result = await connect(
        hass, await hass_client_no_auth(), sim, sim_user="third", sim_approve=cars["FORD"]
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "vehicles_elsewhere"
    assert result["description_placeholders"] == {"title": first.title}
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2


async def test_connection_failure_aborts(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """If Smartcar's API fails while the connection is tested, nothing is created."""
    await sim.inject_error(path="/user", type="SERVER", code="INTERNAL")
    result = await connect(hass, await hass_client_no_auth(), sim)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_reauth_updates_tokens(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """Reauth runs Connect again and stores the new tokens in the same entry."""
    entry = await setup_integration()
    old_refresh = entry.data["token"]["refresh_token"]

    result = await start_reauth(hass, entry)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["refresh_token"] != old_refresh
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_another_account_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """Reauth must connect the entry's own account."""
    entry = await setup_integration()
    old_token = entry.data["token"]

    result = await start_reauth(hass, entry)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result, sim_user="other")

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["token"] == old_token


async def test_reconfigure_changes_mode(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """Reconfigure connects again with another mode and reloads the entry."""
    entry = await setup_integration()

    result = await start_reconfigure(hass, entry)
    assert result["type"] is FlowResultType.MENU  # a v2 entry may also move to v3
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect_again"}
    )
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"mode": "live"})
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_MODE] == "live"


async def test_options_set_the_monthly_budget(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The form says how often the least polled car is read and the smallest budget; the
    budget option changes each car's polling interval.
    """
    entry = await setup_integration()
    before = {c.vehicle.id: c.update_interval for c in entry.runtime_data.coordinators.values()}

    result = await open_polling_options(hass, entry)
    assert result["type"] is FlowResultType.FORM
    longest = max(c.idle_interval for c in entry.runtime_data.coordinators.values())
    hours, minutes = divmod(round(longest.total_seconds() / 60), 60)
    assert hours > 0
    assert result["description_placeholders"] == {
        "interval": f"{hours} h {minutes} min",
        "minimum": str(SmartcarProvider.budget_option.minimum),
        "webhook_url": "-",  # no URL the provider could reach (the push tests have one)
        "last_delivery": "-",  # nothing came yet
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MONTHLY_BUDGET: 5000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert entry.options[CONF_MONTHLY_BUDGET] == 5000
    for coordinator in entry.runtime_data.coordinators.values():
        assert coordinator.update_interval is not None
        assert coordinator.update_interval < before[coordinator.vehicle.id]


async def test_an_unknown_connect_error_aborts_with_it(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """An error Connect may add later still ends the flow, naming the error."""
    result = await start_flow(hass)
    state = URL(result["url"]).query["state"]
    client = await hass_client_no_auth()
    callback = await client.get(
        f"/auth/external/callback?error=new_error&error_description=New&state={state}"
    )
    assert callback.status == 200

    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "user_rejected_authorize"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_several_credentials_of_the_provider_are_offered(hass: HomeAssistant) -> None:
    """With two Smartcar applications the user picks one; its client id goes to Connect."""
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential("second-client-id", "secret", "Smartcar second app"),
        "smartcar:second-client-id",
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "smartcar"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_MODE: "live"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_implementation"
    offered = result["data_schema"].schema["implementation"].container  # type: ignore[union-attr]
    assert sorted(offered.values()) == ["Smartcar second app", "Smartcar simulator app"]

    second = next(key for key, name in offered.items() if name == "Smartcar second app")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": second}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert URL(result["url"]).query["client_id"] == "second-client-id"


async def test_options_of_an_entry_not_loaded(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """An entry that is not loaded has no polling to describe: the form says "-"."""
    entry = await setup_integration()
    assert await hass.config_entries.async_unload(entry.entry_id)

    result = await open_polling_options(hass, entry)
    assert result["description_placeholders"]["interval"] == "-"
