"""High Mobility's side of a running simulator: per environment the application's access tokens,
fleet and request window; shared scripted clearance outcomes and property failures."""

from collections import deque
import math
from typing import Any
import uuid

from simulator.config import SimulatorConfig
from simulator.high_mobility.data import PropertyFailures
from simulator.high_mobility.fleet import Fleet, Outcome

PRODUCTION, SANDBOX = "production", "sandbox"
ENVIRONMENTS = (PRODUCTION, SANDBOX)
RATE_WINDOW = 60.0


class RequestWindow:
    """The application's requests of the last minute, against its limit per minute."""

    def __init__(self, limit: int) -> None:
        """Start with no requests."""
        self.limit = limit
        self._times: deque[float] = deque()

    def take(self, now: float) -> int | None:
        """Count a request; when over the limit, count nothing and return the seconds to wait."""
        while self._times and self._times[0] <= now - RATE_WINDOW:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return max(1, math.ceil(self._times[0] + RATE_WINDOW - now))
        self._times.append(now)
        return None

    def used(self, now: float) -> int:
        """How many requests the last minute holds."""
        return sum(1 for at in self._times if at > now - RATE_WINDOW)


class HighMobilityApp:
    """The application in one environment (production or sandbox)."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Start with no tokens, an empty fleet and no requests."""
        self._ttl = config.high_mobility_access_token_ttl
        self._tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.fleet = Fleet(
            config.high_mobility_approval_delay, config.high_mobility_transition_delay
        )
        self.window = RequestWindow(config.high_mobility_rate_limit)

    def issue_token(self, now: float) -> tuple[str, int]:
        """Return a new access token and its lifetime in seconds."""
        token = uuid.uuid4().hex
        self._tokens[token] = now + self._ttl
        self.tokens_issued += 1
        return token, self._ttl

    def token_valid(self, token: str, now: float) -> bool:
        """Whether the token was issued here and has not expired."""
        return self._tokens.get(token, 0.0) > now

    def to_json(self, now: float) -> dict[str, Any]:
        """Return `{tokens_issued, requests_last_minute, fleet}` for the control API."""
        return {
            "tokens_issued": self.tokens_issued,
            "requests_last_minute": self.window.used(now),
            "fleet": [
                {**c.to_json(), "planned": [p.to_json() for p in c.planned]}
                for c in self.fleet.all(now)
            ],
        }


class HighMobilityCloud:
    """What High Mobility keeps besides the cars; rebuilt on reset."""

    def __init__(self, config: SimulatorConfig) -> None:
        """One application per environment, no scripts and no failures."""
        self.environments = {name: HighMobilityApp(config) for name in ENVIRONMENTS}
        self.outcomes: dict[str, Outcome] = {}
        self.failures = PropertyFailures()
