"""One coordinator per car: polls exactly what its entities need, within the car's API budget."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError, ServiceValidationError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .api.errors import ApiError
from .api.model import Command, Feature, Reading, Snapshot, Vehicle
from .api.smartcar import COMMAND_PERMISSIONS, SmartcarClient
from .const import (
    BUDGET_PERIOD,
    BUDGET_SHARE_FOR_POLLING,
    CONF_MONTHLY_BUDGET,
    DEFAULT_MONTHLY_BUDGET,
    DOMAIN,
    LOGGER,
    MIN_UPDATE_INTERVAL,
)
from .errors import command_error, raise_for_poll_error
from .vehicles import VehicleRecord, supported_features, vehicle_from_record

type ConnectedCarConfigEntry = ConfigEntry[ConnectedCarData]


@dataclass
class ConnectedCarData:
    """What a loaded config entry holds at runtime."""

    client: SmartcarClient
    coordinators: dict[str, VehicleCoordinator]


def polling_interval(billable_calls_per_poll: int, monthly_budget: int) -> timedelta:
    """The shortest interval at which polling spends at most its share of the monthly budget."""
    polls = monthly_budget * BUDGET_SHARE_FOR_POLLING / max(billable_calls_per_poll, 1)
    return max(MIN_UPDATE_INTERVAL, BUDGET_PERIOD / polls)


class VehicleCoordinator(DataUpdateCoordinator[Snapshot]):
    """Reads one car with a single batch request of the features its enabled entities use."""

    config_entry: ConnectedCarConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConnectedCarConfigEntry,
        client: SmartcarClient,
        vehicle_id: str,
        record: VehicleRecord,
    ) -> None:
        """Coordinate the car vehicle_id as described by its stored record."""
        self.client = client
        self.vehicle: Vehicle = vehicle_from_record(vehicle_id, record)
        self.permissions = frozenset(record["permissions"])
        self.supported = frozenset(supported_features(record))
        self._wanted: Counter[Feature] = Counter()
        self._budget: int = config_entry.options.get(CONF_MONTHLY_BUDGET, DEFAULT_MONTHLY_BUDGET)
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {vehicle_id}",
            update_interval=polling_interval(
                len(self.supported), self._budget
            ),  # until entities say
        )

    @callback
    def async_want(self, feature: Feature) -> CALLBACK_TYPE:
        """Poll feature while an entity needs it; call the returned function when it no longer does."""
        self._wanted[feature] += 1
        self._fit_interval()

        @callback
        def release() -> None:
            self._wanted[feature] -= 1
            self._fit_interval()

        return release

    def _fit_interval(self) -> None:
        self.update_interval = polling_interval(len(self.polled_features), self._budget)

    @property
    def polled_features(self) -> list[Feature]:
        """The features one poll reads: wanted by an entity and supported by the car."""
        return sorted(f for f, count in self._wanted.items() if count > 0 and f in self.supported)

    def reading[R: Reading](self, feature: Feature, kind: type[R]) -> R | None:
        """The last good reading of feature, if it has the expected kind."""
        reading = self.data.readings.get(feature) if self.data else None
        return reading if isinstance(reading, kind) else None

    async def _async_update_data(self) -> Snapshot:
        features = self.polled_features
        try:
            snapshot = await self.client.async_read(self.vehicle.id, features)
        except (ApiError, OAuth2TokenRequestBaseError) as err:
            raise_for_poll_error(err)
        return snapshot.merged_onto(self.data or Snapshot())

    async def async_command(
        self,
        command: Command,
        *,
        feature: Feature | None,
        expected: Callable[[Reading | None], Reading | None] | None = None,
        **params: Any,
    ) -> None:
        """Send command; show its expected result at once and confirm it with one read of feature.

        A command the grant does not allow is refused before any API call.
        """
        if (permission := COMMAND_PERMISSIONS[command]) not in self.permissions:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="missing_permission",
                translation_placeholders={"permission": permission},
            )
        try:
            await self.client.async_command(self.vehicle.id, command, **params)
        except (ApiError, OAuth2TokenRequestBaseError) as err:
            raise command_error(err) from err
        if feature is None:
            return
        if expected is not None and self.data is not None:
            reading = expected(self.data.readings.get(feature))
            if reading is not None:
                self.async_set_updated_data(
                    replace(self.data, readings={**self.data.readings, feature: reading})
                )
        self.config_entry.async_create_background_task(
            self.hass, self._async_confirm(feature), f"{DOMAIN} confirm {feature}"
        )

    async def _async_confirm(self, feature: Feature) -> None:
        """Read one feature after a command, so the state shown is the car's own."""
        try:
            snapshot = await self.client.async_read(self.vehicle.id, [feature])
        except (ApiError, OAuth2TokenRequestBaseError) as err:
            LOGGER.debug("Could not confirm %s of a car after a command: %s", feature, err)
            return
        if self.data is not None and feature in snapshot.readings:
            self.async_set_updated_data(snapshot.merged_onto(self.data))
