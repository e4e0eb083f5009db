"""Small helpers the integration tests share."""

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant

from custom_components.connected_car.const import DOMAIN


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
