"""The cars of a config entry as stored in its data: identity, grant and supported features.

Storing them means a restart costs no billable call to learn what a car is or what it supports.
"""

from __future__ import annotations

import asyncio
from typing import NotRequired, TypedDict

from .api.client import VehicleClient
from .api.errors import ErrorKind
from .api.model import Command, Feature, Snapshot, Vehicle

# Errors after which a feature is not worth asking for again: the car or the grant cannot give it.
UNSUPPORTED_ERROR_KINDS = frozenset({ErrorKind.UNSUPPORTED, ErrorKind.PERMISSION})


class VehicleRecord(TypedDict):
    """One car as stored in the config entry."""

    make: str
    model: str
    year: int
    vin: str | None
    permissions: list[str]
    features: NotRequired[list[str]]
    dropped: NotRequired[list[str]]  # features dropped as unsupported after discovery
    fields: NotRequired[list[str]]  # the optional reading fields the car reports
    commands: NotRequired[list[str]]
    refused: NotRequired[list[str]]  # commands the car answered it cannot do (Refresh asks again)
    image_url: NotRequired[str | None]


def vehicle_from_record(vehicle_id: str, record: VehicleRecord) -> Vehicle:
    """The model's Vehicle for a stored record."""
    return Vehicle(
        id=vehicle_id,
        make=record["make"],
        model=record["model"],
        year=record["year"],
        vin=record["vin"],
        image_url=record.get("image_url"),
    )


def permitted_features(client: VehicleClient, record: VehicleRecord) -> list[Feature]:
    """Features the grant allows reading for this car."""
    return [
        f
        for f, permission in client.feature_permissions.items()
        if permission in record["permissions"]
    ]


def available_commands(client: VehicleClient, record: VehicleRecord) -> set[Command]:
    """Commands the car takes and the grant allows (records from before 1.2 lack them)."""
    refused = {Command(command) for command in record.get("refused", [])}
    if "commands" in record:
        return {Command(command) for command in record["commands"]} - refused
    permissions = record["permissions"]
    return {
        c
        for c, permission in client.command_permissions.items()
        if permission in permissions and c not in refused
    }


def supported_features(record: VehicleRecord) -> list[Feature]:
    """Features discovery found the car supports (none before discovery)."""
    return [Feature(feature) for feature in record.get("features", [])]


def features_from_discovery(snapshot: Snapshot) -> list[str]:
    """Features a discovery read showed as available (errors like ASLEEP still count as supported)."""
    return sorted(
        {str(f) for f in snapshot.readings}
        | {str(f) for f, err in snapshot.errors.items() if err.kind not in UNSUPPORTED_ERROR_KINDS}
    )


def fields_from_discovery(snapshot: Snapshot, optional_fields: frozenset[str]) -> list[str]:
    """Optional fields ("feature.field") the car reported a value for at discovery.

    A feature that gave no reading then (asleep, say) keeps all of its fields: no proof is no proof.
    """
    reported: list[str] = []
    for name in optional_fields:
        feature, _, field = name.partition(".")
        reading = snapshot.readings.get(Feature(feature))
        if reading is None or getattr(reading, field, None) is not None:
            reported.append(name)
    return sorted(reported)


def reported_fields(client: VehicleClient, record: VehicleRecord) -> frozenset[str]:
    """The optional fields a car reports (records from before they were stored: the provider's)."""
    return frozenset(record.get("fields", client.optional_fields))


async def async_identify(client: VehicleClient, vehicle_id: str) -> VehicleRecord:
    """A new car's record: what it is, what the grant allows and which commands it takes."""
    vehicle, permissions = await asyncio.gather(
        client.async_get_vehicle(vehicle_id), client.async_get_permissions(vehicle_id)
    )
    commands = await client.async_get_commands(vehicle_id, permissions)
    return VehicleRecord(
        make=vehicle.make,
        model=vehicle.model,
        year=vehicle.year,
        vin=vehicle.vin,
        permissions=sorted(permissions),
        commands=sorted(commands),
        image_url=vehicle.image_url,
    )


async def async_discover(
    client: VehicleClient, vehicle_id: str, record: VehicleRecord
) -> tuple[VehicleRecord, Snapshot]:
    """Read every permitted feature once, and note in the record which ones the car supports.

    The snapshot serves as the car's first data, so discovery costs no extra poll.
    """
    snapshot = await client.async_read(vehicle_id, permitted_features(client, record))
    discovered = VehicleRecord(**record)
    discovered["features"] = features_from_discovery(snapshot)
    discovered["fields"] = fields_from_discovery(snapshot, client.optional_fields)
    return discovered, snapshot


def is_discovered(record: VehicleRecord) -> bool:
    """Whether the car's features are known, so that it can be polled and shown."""
    return "features" in record


def car_name(record: VehicleRecord) -> str:
    """The car as people call it: make and model."""
    return vehicle_from_record("", record).name
