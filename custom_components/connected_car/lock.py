"""The car's door lock, named "Door lock": "lock the Tesla Model 3 door lock" in Assist.

Not the bare car name: Assist reads "what is the battery level of the Tesla Model 3" as a question
about whatever is named "Tesla Model 3", skipping the words it does not know, and "turn off the
Tesla Model 3" would unlock it. Not one word either: Assist's fuzzy match takes "Toyota RAV4 Prime"
for "Toyota RAV4 Prime Lock", a name only one word longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import Command, Feature, Security
from .coordinator import ConnectedCarConfigEntry
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    command_effect,
    supports,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class ConnectedCarLockDescription(ConnectedCarEntityDescription, LockEntityDescription):
    """The car's lock."""


LOCK = ConnectedCarLockDescription(
    key="lock", translation_key="lock", feature=Feature.SECURITY, command=Command.LOCK
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a lock for each car that reports its locks."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [ConnectedCarLock(c, LOCK)] if supports(c, LOCK) else [],
        (LOCK,),
    )


class ConnectedCarLock(ConnectedCarEntity, LockEntity):
    """Locks and unlocks the car; locking/unlocking while the car works on it."""

    entity_description: ConnectedCarLockDescription

    @property
    def is_locked(self) -> bool | None:
        """Whether the car reports itself locked."""
        security = self.coordinator.reading(Feature.SECURITY, Security)
        return security.locked if security else None

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock the car."""
        await self._async_run(Command.LOCK, locking=True)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock the car."""
        await self._async_run(Command.UNLOCK, locking=False)

    async def _async_run(self, command: Command, *, locking: bool) -> None:
        self._attr_is_locking, self._attr_is_unlocking = locking, not locking
        self.async_write_ha_state()
        try:
            await self.async_command(command, command_effect(Security, locked=locking))
        finally:
            self._attr_is_locking = self._attr_is_unlocking = False
            self.async_write_ha_state()
