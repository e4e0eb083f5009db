"""Unit systems of the `SC-Unit-System` header; the simulator keeps metric values."""

from enum import StrEnum

MILES_PER_KM = 0.621371
PSI_PER_KPA = 0.145038
GALLONS_PER_LITRE = 0.264172


class UnitSystem(StrEnum):
    """Metric answers km, kPa and litres; imperial answers miles, psi and US gallons."""

    METRIC = "metric"
    IMPERIAL = "imperial"

    def distance(self, km: float) -> float:
        """Convert a distance from km."""
        return round(km if self is UnitSystem.METRIC else km * MILES_PER_KM, 1)

    def pressure(self, kpa: float) -> float:
        """Convert a tire pressure from kPa."""
        return round(kpa if self is UnitSystem.METRIC else kpa * PSI_PER_KPA, 1)

    def volume(self, litres: float) -> float:
        """Convert a fuel amount from litres."""
        return round(litres if self is UnitSystem.METRIC else litres * GALLONS_PER_LITRE, 2)
