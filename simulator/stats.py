"""Request and billing counters per vehicle."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class VehicleUsage:
    """HTTP requests that touched a car, and the calls billed for it."""

    requests: int = 0
    billable: int = 0
    by_path: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        """Return `{requests, billable, by_path}`."""
        return {"requests": self.requests, "billable": self.billable, "by_path": dict(self.by_path)}


class Stats:
    """Counters since start or the last reset."""

    def __init__(self) -> None:
        """Start from zero."""
        self.requests = 0
        self.requests_by_provider: Counter[str] = Counter()
        self.vehicles: dict[str, VehicleUsage] = {}

    def count_request(self, provider: str) -> None:
        """Count an HTTP request to a provider's API."""
        self.requests += 1
        self.requests_by_provider[provider] += 1

    def count_vehicle_request(self, vehicle_id: str) -> None:
        """Count an HTTP request addressed to a car."""
        self._usage(vehicle_id).requests += 1

    def count_call(self, vehicle_id: str, path: str) -> None:
        """Count a billed call (a single request, or one item of a batch)."""
        usage = self._usage(vehicle_id)
        usage.billable += 1
        usage.by_path[path] += 1

    def to_json(self, vehicle_ids: list[str], provider: str | None = None) -> dict[str, Any]:
        """Return usage of every listed car plus totals (of one provider's API if given)."""
        if provider is None:
            requests, billed = self.requests, list(self.vehicles.values())
        else:
            requests = self.requests_by_provider[provider]
            billed = [self._usage(vehicle_id) for vehicle_id in vehicle_ids]
        return {
            "vehicles": {
                vehicle_id: self._usage(vehicle_id).to_json() for vehicle_id in vehicle_ids
            },
            "totals": {
                "requests": requests,
                "billable": sum(usage.billable for usage in billed),
            },
        }

    def _usage(self, vehicle_id: str) -> VehicleUsage:
        return self.vehicles.setdefault(vehicle_id, VehicleUsage())
