"""The application's daily request quota, counted per UTC day of the simulated clock."""

from typing import Any

from simulator.clock import isoformat

DAY = 86400


class DailyQuota:
    """Requests the application (its VCC API key) may send per UTC day, and how many it sent."""

    def __init__(self, limit: int) -> None:
        """Start the day with nothing used."""
        self.limit = limit
        self.used = 0
        self._day: int | None = None

    def take(self, now: float) -> bool:
        """Count one request; False (and not counted) when the day's quota is spent."""
        self._roll(now)
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def set(self, now: float, *, used: int | None = None, limit: int | None = None) -> None:
        """Change today's usage or the limit (control API)."""
        self._roll(now)
        if limit is not None:
            self.limit = limit
        if used is not None:
            self.used = used

    @staticmethod
    def replenished_in(now: float) -> str:
        """Return the time left until the quota refills (UTC midnight) as HH:MM:SS."""
        left = DAY - int(now) % DAY
        return f"{left // 3600:02d}:{left % 3600 // 60:02d}:{left % 60:02d}"

    def to_json(self, now: float) -> dict[str, Any]:
        """Return `{limit, used, remaining, resets_at}`."""
        self._roll(now)
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": max(0, self.limit - self.used),
            "resets_at": isoformat((int(now) // DAY + 1) * DAY),
        }

    def _roll(self, now: float) -> None:
        day = int(now) // DAY
        if day != self._day:
            self._day = day
            self.used = 0
