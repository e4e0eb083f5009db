"""The cars' last values, kept across restarts: a restart shows them without spending a call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
import types
from typing import Any, get_args, get_origin, get_type_hints

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api.model import Feature, Reading, Snapshot
from .const import DOMAIN, LOGGER

STORAGE_VERSION = 1
SAVE_DELAY = 30  # seconds: a burst of polls and commands is written once

READING_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(Reading.__value__)}


@dataclass(frozen=True)
class StoredCar:
    """What is kept of a car: its data, when each feature was read, the calls it spent, and
    when its values were last pushed."""

    snapshot: Snapshot
    last_read: dict[Feature, datetime]
    calls_used: int = 0
    period_ends: datetime | None = None  # when the quota period of calls_used ends
    last_push: datetime | None = None  # the delivery push is trusted from (None: not trusted)
    last_push_received: datetime | None = None  # also when a refused one ended the trust


def car_to_json(car: StoredCar) -> dict[str, Any]:
    """A car's readings, when the car recorded them, when each was read, and its calls."""
    return {
        "readings": {
            str(feature): {"type": type(reading).__name__, "values": dataclasses.asdict(reading)}
            for feature, reading in car.snapshot.readings.items()
        },
        "recorded_at": {str(f): t.isoformat() for f, t in car.snapshot.recorded_at.items()},
        "last_read": {str(f): t.isoformat() for f, t in car.last_read.items()},
        "calls_used": car.calls_used,
        "period_ends": car.period_ends.isoformat() if car.period_ends else None,
        "last_push": car.last_push.isoformat() if car.last_push else None,
        "last_push_received": (
            car.last_push_received.isoformat() if car.last_push_received else None
        ),
    }


def car_from_json(data: Mapping[str, Any]) -> StoredCar:
    """What car_to_json wrote; a reading that no longer fits the model is left out."""
    readings: dict[Feature, Reading] = {}
    for feature, stored in data.get("readings", {}).items():
        try:
            readings[Feature(feature)] = _reading(stored["type"], stored["values"])
        except KeyError, TypeError, ValueError:
            LOGGER.debug("A stored %s reading no longer fits; it is read again", feature)
    return StoredCar(
        Snapshot(readings=readings, recorded_at=_times(data.get("recorded_at", {}))),
        _times(data.get("last_read", {})),
        calls_used=int(data.get("calls_used") or 0),
        period_ends=_time(data.get("period_ends")),
        last_push=_time(data.get("last_push")),
        last_push_received=_time(data.get("last_push_received")),
    )


def _reading(type_name: str, values: Mapping[str, Any]) -> Reading:
    reading: Reading = _dataclass(READING_TYPES[type_name], values)
    return reading


def _dataclass(cls: type[Any], values: Mapping[str, Any]) -> Any:
    hints = get_type_hints(cls)
    return cls(**{name: _value(hints[name], value) for name, value in values.items()})


def _value(hint: Any, value: Any) -> Any:
    """Enums, times and lists of parts (trouble codes) come back from their stored form;
    everything else is stored as it is."""
    kinds = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for kind in kinds:
        if value is None:
            break
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind(value)
        if kind is datetime:
            return datetime.fromisoformat(value)
        if get_origin(kind) is tuple:
            item = get_args(kind)[0]
            if dataclasses.is_dataclass(item):
                return tuple(_dataclass(item, part) for part in value)  # type: ignore[arg-type]
            return tuple(value)
    return value


def _times(stored: Mapping[str, str]) -> dict[Feature, datetime]:
    times: dict[Feature, datetime] = {}
    for feature, value in stored.items():
        if feature in Feature and (time := _time(value)) is not None:
            times[Feature(feature)] = time
    return times


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except TypeError, ValueError:
        return None


class SnapshotStore:
    """The last values of an entry's cars, in Home Assistant's storage."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep the values of the cars of entry_id."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.last_values", private=True
        )

    async def async_load(self) -> dict[str, StoredCar]:
        """Car id -> what was stored of it."""
        stored = await self._store.async_load() or {}
        return {vehicle_id: car_from_json(car) for vehicle_id, car in stored.items()}

    @callback
    def async_save_later(self, cars: Callable[[], dict[str, Any]]) -> None:
        """Write cars() soon; many calls in a row write once."""
        self._store.async_delay_save(cars, SAVE_DELAY)

    async def async_save(self, cars: dict[str, Any]) -> None:
        """Write cars now."""
        await self._store.async_save(cars)

    async def async_remove(self) -> None:
        """The entry is gone: so are its cars' values."""
        await self._store.async_remove()
