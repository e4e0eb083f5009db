"""Drive High Mobility's side of the simulator and its config flow, as a fleet operator would."""

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.connected_car.const import DOMAIN

from .simulator_control import SimulatorControl

HM_CLIENT_ID = "sim-hm-client-id"
HM_CLIENT_SECRET = "sim-hm-client-secret"
BMW = "WBY71AW010FP87213"
MERCEDES = "W1K2060451R123456"
RENAULT = "VF1RCB00067891234"
# A VW group car the simulator has no data of (its clearance still goes through the fleet).
VW = "WVWZZZE1ZMP012345"
APPROVAL_DELAY = 600


async def hm_token(sim: SimulatorControl, environment: str = "api") -> str:
    """An access token of the simulator's High Mobility application."""
    async with sim.session.post(
        f"{sim.url}/high_mobility/{environment}/v1/access_tokens",
        json={
            "grant_type": "client_credentials",
            "client_id": HM_CLIENT_ID,
            "client_secret": HM_CLIENT_SECRET,
        },
    ) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])


async def add_to_fleet(sim: SimulatorControl, *cars: tuple[str, str]) -> None:
    """Ask data access for (vin, brand) cars outside Home Assistant, as in High Mobility's console."""
    token = await hm_token(sim)
    async with sim.session.post(
        f"{sim.url}/high_mobility/api/v1/fleets/vehicles",
        json={"vehicles": [{"vin": vin, "brand": brand} for vin, brand in cars]},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 200, await response.text()


async def advance(sim: SimulatorControl, seconds: float) -> None:
    """Move the simulator's clock (clearances happen as it passes)."""
    await sim.call("POST", "/clock", {"advance": seconds})


async def outcome(sim: SimulatorControl, vin: str, kind: str, **extra: Any) -> None:
    """Script how the VIN's clearance goes."""
    await sim.call("POST", "/high_mobility/outcomes", {"vin": vin, "outcome": kind, **extra})


async def start_hm_flow(hass: HomeAssistant, environment: str = "production") -> ConfigFlowResult:
    """Pick High Mobility and its environment: the credentials form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "high_mobility"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "high_mobility"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"environment": environment}
    )
    assert result["step_id"] == "credentials"
    return result


async def hm_cars_form(
    hass: HomeAssistant, secret: str = HM_CLIENT_SECRET, environment: str = "production"
) -> ConfigFlowResult:
    """The flow up to the cars form."""
    result = await start_hm_flow(hass, environment)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": HM_CLIENT_ID, "client_secret": secret}
    )
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "cars", result
    return result


async def connect_hm(hass: HomeAssistant, **cars: Any) -> ConfigFlowResult:
    """The whole flow, answering the cars form with cars."""
    result = await hm_cars_form(hass)
    return await hass.config_entries.flow.async_configure(result["flow_id"], cars)


async def remove_from_fleet(sim: SimulatorControl, vin: str) -> None:
    """End a car's data access outside Home Assistant, as in High Mobility's console."""
    token = await hm_token(sim)
    async with sim.session.delete(
        f"{sim.url}/high_mobility/api/v1/fleets/vehicles/{vin}",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 200, await response.text()
