"""What the clients promise whatever the server sends, checked without the clients' own helpers."""

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
import math
import types
from typing import Any, get_args, get_type_hints

from custom_components.connected_car.api.errors import (
    CommunicationError,
    ErrorDetails,
    ErrorKind,
    ProviderError,
)
from custom_components.connected_car.api.model import (
    Battery,
    ChargeLimit,
    EngineOil,
    Feature,
    Fuel,
    Location,
    Reading,
    Snapshot,
    Vehicle,
)

# Fields in percent; a location's own ranges; every other number is a quantity (>= 0).
PERCENT = {(Battery, "level"), (Fuel, "level"), (ChargeLimit, "limit"), (EngineOil, "life")}
RANGES = {
    (Location, "latitude"): (-90, 90),
    (Location, "longitude"): (-180, 180),
    (Location, "heading"): (0, 360),
}
# No call may wait on a server that answers at once.
CALL_TIMEOUT = 20


async def outcome[T](call: Awaitable[T]) -> T | None:
    """The call's value, or None when it raised a typed error (which must be well formed).

    Anything else it raises fails the test, and so does a call that does not end.
    """
    try:
        async with asyncio.timeout(CALL_TIMEOUT):
            return await call
    except ProviderError as err:
        assert_error(err)
    except CommunicationError:
        pass
    return None


def assert_error(err: ProviderError) -> None:
    """A provider error's details are of their declared types."""
    details = err.details
    assert isinstance(details.kind, ErrorKind)
    assert isinstance(details.type, str)
    assert details.type
    for name in ("code", "reason", "description", "resolution_type", "resolution_url"):
        assert isinstance(getattr(details, name), str | None), name
    for name in ("suggested_user_message", "doc_url", "request_id"):
        assert isinstance(getattr(details, name), str | None), name
    assert details.status is None or (isinstance(details.status, int) and details.status > 0)
    retry_after = details.retry_after
    assert retry_after is None or (isinstance(retry_after, int) and retry_after >= 0)
    assert isinstance(details, ErrorDetails)


def assert_text(value: Any) -> None:
    assert isinstance(value, str)
    assert value
    value.encode()  # valid Unicode: storage and logs take it


def assert_vehicle(vehicle: Vehicle, vehicle_id: str) -> None:
    assert vehicle.id == vehicle_id
    assert_text(vehicle.make)
    assert_text(vehicle.model)
    assert type(vehicle.year) is int
    assert 1886 <= vehicle.year <= 2200
    for optional in (vehicle.vin, vehicle.image_url):
        if optional is not None:
            assert_text(optional)


def assert_reading(reading: Reading) -> None:
    """Every field is None or of its declared type, finite and in its range."""
    assert_fields(reading, must_know=True)


def assert_fields(reading: Any, must_know: bool) -> None:
    """A reading's or a part's fields (a trouble code of a reading's list) are well formed."""
    cls = type(reading)
    hints = get_type_hints(cls)
    known = 0
    for field in fields(reading):
        value = getattr(reading, field.name)
        allowed = get_args(hints[field.name]) or (hints[field.name],)
        if value is None:
            assert types.NoneType in allowed, f"{cls.__name__}.{field.name} may not be None"
            continue
        known += 1
        if float in allowed:
            assert type(value) in (int, float), (field.name, value)  # an int is a float here
            assert math.isfinite(value), (field.name, value)
            low, high = RANGES.get(
                (cls, field.name), (0, 100 if (cls, field.name) in PERCENT else math.inf)
            )
            assert low <= value <= high, (cls.__name__, field.name, value)
        elif bool in allowed:
            assert type(value) is bool, (field.name, value)
        elif str in allowed:
            assert_text(value)
        elif datetime in allowed:
            assert isinstance(value, datetime), (field.name, value)
            assert value.tzinfo is not None, (field.name, value)
        elif isinstance(value, tuple):
            for item in value:
                if is_dataclass(item):
                    assert_fields(item, must_know=False)
                else:
                    assert_text(item)
        else:
            enum = next(t for t in allowed if isinstance(t, type) and issubclass(t, Enum))
            assert isinstance(value, enum), (field.name, value)
    assert known or not must_know, f"a {cls.__name__} that knows nothing"


def assert_snapshot(snapshot: Snapshot, features: Iterable[Feature]) -> None:
    """Each feature asked for has a well-formed reading or a typed error; nothing else is there."""
    wanted = set(features)
    assert set(snapshot.readings) <= wanted
    assert set(snapshot.errors) <= wanted
    assert not set(snapshot.readings) & set(snapshot.errors)
    assert set(snapshot.readings) | set(snapshot.errors) == wanted
    for reading in snapshot.readings.values():
        assert_reading(reading)
    for error in snapshot.errors.values():
        assert isinstance(error, ProviderError)
        assert_error(error)
    for feature, moment in snapshot.recorded_at.items():
        assert feature in snapshot.readings
        assert moment.tzinfo is not None
