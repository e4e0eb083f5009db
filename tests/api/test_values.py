"""The one rule for values from any provider: of the wrong type or out of range, they are unknown."""

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import get_args, get_origin, get_type_hints

import pytest

from custom_components.connected_car.api.model import (
    Battery,
    Charge,
    ChargingState,
    Diagnostics,
    Location,
    Reading,
    Security,
    ServiceHistory,
    ServiceRecord,
    SystemAlert,
    Tires,
    TroubleCode,
    TroubleCodes,
)
from custom_components.connected_car.api.values import (
    CHECKS,
    PART_REQUIRED,
    PARTS,
    checked,
    model_year,
    real,
    text,
)


def test_every_field_of_every_reading_has_a_check() -> None:
    readings = get_args(Reading.__value__)
    assert set(CHECKS) == set(readings)
    for reading in readings:
        assert set(CHECKS[reading]) == {field.name for field in fields(reading)}, reading


def test_every_field_of_every_part_has_a_check() -> None:
    """The items of a reading's list (an alert, a code, a service) are held to model.py too."""
    part_types = {
        get_args(kind)[0]
        for reading in get_args(Reading.__value__)
        for hint in get_type_hints(reading).values()
        for kind in get_args(hint)
        if get_origin(kind) is tuple
    }
    assert set(PARTS) == part_types
    assert set(PART_REQUIRED) == set(PARTS)
    for part, checks in PARTS.items():
        assert is_dataclass(part)
        assert set(checks) == {field.name for field in fields(part)}, part


def test_bad_parts_are_left_out_and_bad_fields_unknown() -> None:
    """A part without what it is nothing without is left out; a bad field of one is unknown."""
    naive = datetime(2026, 5, 1)  # noqa: DTZ001 - a time without its zone is the point
    at = datetime(2026, 5, 1, tzinfo=UTC)
    alerts = (SystemAlert(""), SystemAlert("SYSTEM_ABS", 5), "SYSTEM_TPMS")  # type: ignore[arg-type]
    assert checked(Diagnostics(alerts)) == Diagnostics((SystemAlert("SYSTEM_ABS"),))  # type: ignore[arg-type]
    assert checked(Diagnostics([SystemAlert("SYSTEM_ABS")])) is None  # type: ignore[arg-type]
    codes = (TroubleCode("P0456", naive), TroubleCode(None))  # type: ignore[arg-type]
    assert checked(TroubleCodes(codes)) == TroubleCodes((TroubleCode("P0456"),))
    services = (
        ServiceRecord(naive, 100.0),
        ServiceRecord(at, -1.0, ("oil change", "", 3)),  # type: ignore[arg-type]
        ServiceRecord(at, 100.0, ["brakes"]),  # type: ignore[arg-type]
    )
    assert checked(ServiceHistory(services)) == ServiceHistory(
        (ServiceRecord(at, None, ("oil change",)), ServiceRecord(at, 100.0, None))
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (2.5, 2.5),
        (True, None),
        ("3", None),
        (float("nan"), None),
        (float("inf"), None),
        (10**400, None),
        (None, None),
        ([1], None),
    ],
)
def test_real_numbers_only(value: object, expected: float | None) -> None:
    assert real(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("XC60", "XC60"), ("", None), ("\ud800", None), (5, None)]
)
def test_text(value: object, expected: str | None) -> None:
    assert text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2024, 2024), ("2024", 2024), ("²⁰²⁴", None), (True, None), (2024.0, None), (99999, None)],
)
def test_model_year(value: object, expected: int | None) -> None:
    assert model_year(value) == expected


def test_a_number_keeps_its_type() -> None:
    assert type(checked(Tires(240, 2.5, None, None)).front_left) is int  # type: ignore[union-attr]
    assert type(checked(Tires(240, 2.5, None, None)).front_right) is float  # type: ignore[union-attr]


def test_a_bad_value_is_unknown_and_the_rest_stays() -> None:
    assert checked(Battery(level=101.0, range=300)) == Battery(level=None, range=300.0)
    assert checked(Battery(level="50", range=-1)) is None  # type: ignore[arg-type]
    assert checked(Tires(240, True, 1e9, 230)) == Tires(240.0, None, None, 230.0)  # type: ignore[arg-type]
    charge = Charge(plugged_in=1, state="charging", power=7.4)  # type: ignore[arg-type]
    assert checked(charge) == Charge(plugged_in=None, state=None, power=7.4)
    assert checked(Charge(True, ChargingState.CHARGING)) == Charge(True, ChargingState.CHARGING)
    security = Security(
        locked=True, doors_open="no", windows_open=None, trunk_open=False, charging_port_open=None
    )  # type: ignore[arg-type]
    assert checked(security) == Security(True, None, None, False, None)


def test_a_location_needs_both_coordinates_in_range() -> None:
    assert checked(Location(57.7, 11.9, heading=361)) == Location(57.7, 11.9, heading=None)
    assert checked(Location(200, 11.9)) is None
    assert checked(Location(57.7, -180.5, heading=90)) is None
