"""Settings of a simulator instance."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
import time

DEFAULT_REDIRECT_URIS = (
    "https://my.home-assistant.io/redirect/oauth",
    "http://127.0.0.1:8123/auth/external/callback",
)


@dataclass(frozen=True)
class SimulatorConfig:
    """Credentials the simulated providers accept, token lifetimes and the time source."""

    client_id: str = "sim-client-id"
    client_secret: str = "sim-client-secret"
    redirect_uris: list[str] = field(default_factory=lambda: list(DEFAULT_REDIRECT_URIS))
    management_token: str = "sim-management-token"
    access_token_ttl: int = 7200
    refresh_grace_seconds: int = 0
    clock: Callable[[], float] = time.time
    # How many cars the garage holds: the four default ones, then copies of them.
    cars: int = 4
    # Where grants and tokens are kept across restarts (None: in memory only).
    state_file: Path | None = None
