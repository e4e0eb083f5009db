"""Simulated time: the configured clock plus an offset moved by the control API."""

from collections.abc import Callable
from datetime import UTC, datetime


class SimClock:
    """Time source of the simulator; `advance` jumps forward without waiting."""

    def __init__(self, base: Callable[[], float]) -> None:
        """Follow `base` (seconds since the epoch) with no offset."""
        self._base = base
        self.offset = 0.0

    def now(self) -> float:
        """Return the simulated time in seconds since the epoch."""
        return self._base() + self.offset

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        self.offset += seconds


def isoformat(timestamp: float) -> str:
    """Format a timestamp the way Smartcar does: `2026-11-22T02:26:00.000Z`."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
