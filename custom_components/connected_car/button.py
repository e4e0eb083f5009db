"""Buttons: poll the car now, and the commands that have no state to show (flash, honk, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import Command
from .const import DOMAIN
from .coordinator import ConnectedCarConfigEntry
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    supports,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class ConnectedCarButtonDescription(ConnectedCarEntityDescription, ButtonEntityDescription):
    """The refresh button."""


REFRESH = ConnectedCarButtonDescription(
    key="refresh",
    translation_key="refresh",
    feature=None,
    entity_category=EntityCategory.DIAGNOSTIC,
)
COMMAND_BUTTONS: tuple[ConnectedCarButtonDescription, ...] = tuple(
    ConnectedCarButtonDescription(
        key=command, translation_key=command, feature=None, command=command
    )
    for command in (
        Command.FLASH,
        Command.HONK,
        Command.START_CLIMATE,
        Command.STOP_CLIMATE,
        Command.START_ENGINE,
        Command.STOP_ENGINE,
    )
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a refresh button for each car, and a button for each command it takes."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [
            ConnectedCarRefreshButton(c, REFRESH),
            *(ConnectedCarCommandButton(c, d) for d in COMMAND_BUTTONS if supports(c, d)),
        ],
        COMMAND_BUTTONS,
    )


class ConnectedCarRefreshButton(ConnectedCarEntity, ButtonEntity):
    """Polls the car at once."""

    entity_description: ConnectedCarButtonDescription

    async def async_press(self) -> None:
        """Poll the car now; say why when that is not possible or brought nothing new.

        A refresh that worked says nothing: the new values are its answer.
        """
        self.coordinator.raise_if_quiet()
        await self.coordinator.async_refresh_everything()
        if not self.coordinator.last_update_success:
            raise _refresh_failed(self.coordinator.last_exception)
        # The provider may have asked to wait in answer to this very refresh.
        self.coordinator.raise_if_quiet()
        if self.coordinator.is_unreachable:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="refresh_unreachable"
            )


def _refresh_failed(err: BaseException | None) -> HomeAssistantError:
    """The failed poll's own translated reason, else a general one."""
    if isinstance(err, HomeAssistantError) and err.translation_key is not None:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=err.translation_key,
            translation_placeholders=err.translation_placeholders,
        )
    return HomeAssistantError(translation_domain=DOMAIN, translation_key="refresh_failed")


class ConnectedCarCommandButton(ConnectedCarEntity, ButtonEntity):
    """Sends its command to the car."""

    entity_description: ConnectedCarButtonDescription

    async def async_press(self) -> None:
        """Send the command."""
        assert self.entity_description.command is not None
        await self.async_command(self.entity_description.command)
