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
    """Credentials the simulated providers accept, token lifetimes, garage and the time source."""

    client_id: str = "sim-client-id"
    client_secret: str = "sim-client-secret"
    redirect_uris: list[str] = field(default_factory=lambda: list(DEFAULT_REDIRECT_URIS))
    management_token: str = "sim-application-management-token"
    access_token_ttl: int = 7200
    refresh_grace_seconds: int = 0
    clock: Callable[[], float] = time.time
    # How many Smartcar cars the garage holds: the four default ones, then copies of them.
    cars: int = 4
    # Smartcar v3: the application's API credential (for IAM app tokens) and its Application ID
    # (the client_id Connect takes). App tokens live an hour and come with no refresh token.
    v3_client_id: str = "client_sim_v3"
    v3_client_secret: str = "sim-v3-secret"
    v3_application_id: str = "00000000-0000-4000-8000-00000000c3c3"
    v3_app_token_ttl: int = 3600
    # Volvo Cars: the application registered with Volvo ID and the API portal.
    volvo_client_id: str = "sim-volvo-client-id"
    volvo_client_secret: str = "sim-volvo-client-secret"
    volvo_api_key: str = "sim-vcc-api-key"
    volvo_access_token_ttl: int = 1800
    # API requests the application may send per UTC day (simulated clock), then 403.
    volvo_daily_quota: int = 10_000
    # How many Volvo cars the garage holds besides Smartcar's: the three default ones, then copies.
    volvo_cars: int = 3
    # High Mobility: the application's client credentials (OAuth2 client_credentials grant).
    high_mobility_client_id: str = "sim-hm-client-id"
    high_mobility_client_secret: str = "sim-hm-client-secret"
    high_mobility_access_token_ttl: int = 300
    # Fleet clearance requests the application may send per minute (simulated clock).
    high_mobility_rate_limit: int = 60
    # Seconds a new clearance stays pending before it is approved (or rejected, as scripted).
    high_mobility_approval_delay: int = 600
    # Seconds revoking and canceling take.
    high_mobility_transition_delay: int = 60
    # How many High Mobility cars the garage holds besides the others: the three default ones, then copies.
    high_mobility_cars: int = 3
    # Where grants and tokens are kept across restarts (None: in memory only).
    state_file: Path | None = None
