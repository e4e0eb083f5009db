"""What a High Mobility car has besides the shared state: its brand and the properties it reports."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HighMobilityProfile:
    """Fixed facts High Mobility reports about a car."""

    # The brand as fleet clearance names it (`mercedes-benz`) and as vehicle data does (`mercedes_benz`).
    brand: str
    data_brand: str
    # The `capability.property` names the car reports; the others are left out of its data.
    properties: frozenset[str]
    # Degrees clockwise from north, of the last known position.
    heading: float
    # The unit the car reports tire pressures in: `kilopascals`, `bars` or `pounds_force_per_square_inch`.
    tire_pressure_unit: str = "kilopascals"
    # How much older than the car's last update a property is, in seconds (cars report at their pace).
    ages: dict[str, float] = field(default_factory=dict)
