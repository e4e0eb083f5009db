"""What every provider client offers: the one interface the Home Assistant side talks to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from .model import Command, Feature, Snapshot, Vehicle


class VehicleClient(Protocol):
    """A provider's cars for one account: who they are, what they report, what they can do."""

    # Feature or command -> the permission (scope) the grant needs for it.
    feature_permissions: Mapping[Feature, str]
    command_permissions: Mapping[Command, str]
    # The optional reading fields this provider fills in, as "feature.field" (security.hood_open).
    optional_fields: frozenset[str]
    # Whether a read costs one request whatever it reads (a batch), or requests per feature.
    batched: bool

    async def async_get_account_id(self) -> str:
        """An id that stays the same for the account, so it identifies the config entry."""
        ...

    async def async_get_vehicle_ids(self) -> list[str]:
        """Every car the grant covers."""
        ...

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """The car's make, model and year, and its VIN where the grant allows."""
        ...

    async def async_get_permissions(self, vehicle_id: str) -> set[str]:
        """The permissions the user granted for this car."""
        ...

    async def async_get_commands(self, vehicle_id: str, permissions: set[str]) -> set[Command]:
        """The commands the car takes that the grant allows."""
        ...

    async def async_read(self, vehicle_id: str, features: Iterable[Feature]) -> Snapshot:
        """Read features; a failed one only fails itself, in the snapshot's errors."""
        ...

    async def async_command(self, vehicle_id: str, command: Command, **params: float) -> None:
        """Send a command; raise ProviderError when the car or the provider refuses it."""
        ...


@runtime_checkable
class DisconnectingClient(Protocol):
    """A client that can end the application's access to one car, as its device is deleted."""

    async def async_disconnect(self, vehicle_id: str) -> None:
        """End the access; raise ProviderError when the provider refuses."""
        ...
