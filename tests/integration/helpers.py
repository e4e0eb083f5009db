"""Small helpers the integration tests share."""

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir

from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.issues import V2_END_ISSUE


def reauth_started(hass: HomeAssistant) -> bool:
    """Whether a reauth flow of the integration is in progress."""
    return any(
        flow["context"]["source"] == SOURCE_REAUTH
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """An entity's state; the entity must exist."""
    entity = hass.states.get(entity_id)
    assert entity is not None, entity_id
    return entity.state


async def open_polling_options(hass: HomeAssistant, entry: ConfigEntry) -> ConfigFlowResult:
    """The options' polling form; a Smartcar v2 entry's options open on a menu (polling, or the
    move to v3)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    if result["type"] is FlowResultType.MENU:
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "polling"}
        )
    return result


def problem_issues(hass: HomeAssistant) -> list[str]:
    """The issues shown but the warning of Smartcar v2's end, which every v2 entry has."""
    return [
        issue_id
        for _, issue_id in ir.async_get(hass).issues
        if not issue_id.startswith(V2_END_ISSUE)
    ]
