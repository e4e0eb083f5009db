"""What Smartcar's v3 side of one application holds: app tokens, connections and settings."""

from dataclasses import dataclass, field
from typing import Any
import uuid

from simulator.clock import SimClock, isoformat
from simulator.config import SimulatorConfig
from simulator.smartcar.accounts import Grant

TIMESTAMP_FORMATS = ("iso", "seconds", "milliseconds")
COMMAND_STATUSES = (200, 202)
CONNECTION_MODES = ("live", "simulated")
_CONNECTION_NAMESPACE = uuid.UUID("2b8e6f0a-4d3c-4b7e-9c1a-5e6f7a8b9c0d")


@dataclass
class Connection:
    """One user's approval of one car for the application."""

    id: str
    user_id: str
    vehicle_id: str
    permissions: frozenset[str]
    mode: str
    created_at: float
    updated_at: float


@dataclass
class V3Settings:
    """How the simulated v3 API answers; changed through the control API."""

    # How signal timestamps are written: ISO strings (as seen live), epoch seconds or epoch ms.
    timestamps: str = "iso"
    # Signals per page (None: all on one page, as seen live).
    page_size: int | None = None
    # Whether commands answer at once (200) or hold a 202 open and then write the outcome.
    command_status: int = 200
    command_delay: float = 0.0
    # Cars no webhook was ever subscribed to: their signal store is empty.
    unsubscribed: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        """Return the settings as the control API shows them."""
        return {
            "timestamps": self.timestamps,
            "page_size": self.page_size,
            "command_status": self.command_status,
            "command_delay": self.command_delay,
            "unsubscribed": sorted(self.unsubscribed),
        }


class SmartcarV3Cloud:
    """App tokens of the v3 application, its connections, and the answering settings."""

    def __init__(self, config: SimulatorConfig, clock: SimClock) -> None:
        """Start with no tokens or connections."""
        self._config = config
        self._clock = clock
        self._tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.connections: dict[tuple[str, str], Connection] = {}
        self.settings = V3Settings()

    def issue_token(self) -> dict[str, Any]:
        """Return a new app token: an hour, no refresh token, good for every user and car."""
        token = str(uuid.uuid4())
        ttl = self._config.v3_app_token_ttl
        self._tokens[token] = self._clock.now() + ttl
        self.tokens_issued += 1
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}

    def token_valid(self, token: str) -> bool:
        """Tell whether an app token was issued and has not expired."""
        expires_at = self._tokens.get(token)
        return expires_at is not None and self._clock.now() < expires_at

    def connect(self, grant: Grant, mode: str) -> None:
        """Record (or renew) the connections of a Connect approval."""
        now = self._clock.now()
        for vehicle_id in grant.vehicle_ids:
            key = (grant.user_id, vehicle_id)
            known = self.connections.get(key)
            self.connections[key] = Connection(
                id=str(uuid.uuid5(_CONNECTION_NAMESPACE, f"{grant.user_id}/{vehicle_id}")),
                user_id=grant.user_id,
                vehicle_id=vehicle_id,
                permissions=grant.permissions,
                mode=mode,
                created_at=known.created_at if known else now,
                updated_at=now,
            )

    def connection(self, user_id: str, vehicle_id: str) -> Connection | None:
        """Return the connection of a user's car."""
        return self.connections.get((user_id, vehicle_id))

    def to_json(self) -> dict[str, Any]:
        """Return settings, tokens issued and connections, for the control API."""
        return self.settings.to_json() | {
            "app_tokens_issued": self.tokens_issued,
            "connections": [
                {
                    "id": c.id,
                    "user_id": c.user_id,
                    "vehicle_id": c.vehicle_id,
                    "permissions": sorted(c.permissions),
                    "mode": c.mode,
                    "created_at": isoformat(c.created_at),
                }
                for c in self.connections.values()
            ],
        }
