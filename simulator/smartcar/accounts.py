"""Smartcar users, authorization codes and rotating tokens."""

from dataclasses import dataclass
import json
from typing import Any
import uuid

from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.oauth import OAuthError

CODE_TTL = 600
REFRESH_TOKEN_TTL = 60 * 86400
DEFAULT_USER = "default"
_USER_NAMESPACE = uuid.UUID("6f1f5a1e-3c1b-4d8e-9a57-2f0c8b1d7e42")

PERMISSIONS = frozenset(
    {
        "read_alerts",
        "read_battery",
        "read_charge",
        "read_charge_locations",
        "read_charge_records",
        "read_charge_events",
        "read_climate",
        "read_compass",
        "read_diagnostics",
        "read_engine_oil",
        "read_extended_vehicle_info",
        "read_fuel",
        "read_location",
        "read_odometer",
        "read_security",
        "read_service_history",
        "read_speedometer",
        "read_thermometer",
        "read_tires",
        "read_user_profile",
        "read_vehicle_info",
        "read_vin",
        "control_charge",
        "control_climate",
        "control_navigation",
        "control_security",
        "control_pin",
        "control_trunk",
    }
)


def user_id(name: str) -> str:
    """Return the stable Smartcar user id of a simulated account name."""
    return str(uuid.uuid5(_USER_NAMESPACE, name))


@dataclass
class Grant:
    """What a user approved: permissions and cars; shared by the tokens it produced."""

    user_id: str
    permissions: frozenset[str]
    vehicle_ids: list[str]


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    expires_at: float


@dataclass
class _AccessToken:
    grant: Grant
    expires_at: float


@dataclass
class _RefreshToken:
    grant: Grant
    expires_at: float
    used_at: float | None = None


class SmartcarAccounts:
    """Grants and the codes and tokens that carry them."""

    def __init__(self, config: SimulatorConfig, clock: SimClock) -> None:
        """Start with no grants."""
        self._config = config
        self._clock = clock
        self._grants: list[Grant] = []
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        if config.state_file is not None and config.state_file.exists():
            self._load(json.loads(config.state_file.read_text()))

    def issue_code(self, grant: Grant, redirect_uri: str) -> str:
        """Record an approval and return its authorization code (10 minutes, single use)."""
        self._grants.append(grant)
        code = str(uuid.uuid4())
        self._codes[code] = _Code(grant, redirect_uri, self._clock.now() + CODE_TTL)
        return code

    def redeem_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        """Exchange an authorization code for tokens."""
        entry = self._codes.pop(code, None)
        if entry is None or entry.expires_at <= self._clock.now():
            raise OAuthError("invalid_grant", "Invalid or expired authorization code.")
        if entry.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization.")
        return self._issue_tokens(entry.grant)

    def refresh(self, token: str) -> dict[str, Any]:
        """Exchange a refresh token for new tokens; the old one dies after the grace period."""
        now = self._clock.now()
        entry = self._refresh.get(token)
        if (
            entry is None
            or entry.expires_at <= now
            or (
                entry.used_at is not None
                and now >= entry.used_at + self._config.refresh_grace_seconds
            )
        ):
            raise OAuthError("invalid_grant", "Invalid or expired refresh token.")
        if entry.used_at is None:
            entry.used_at = now
        return self._issue_tokens(entry.grant)

    def grant_for(self, access_token: str) -> Grant | None:
        """Return the grant of a live access token."""
        entry = self._access.get(access_token)
        if entry is None or entry.expires_at <= self._clock.now():
            return None
        return entry.grant

    def disconnect(self, vehicle_id: str) -> None:
        """Revoke the application's access to a car in every grant."""
        for grant in self._grants:
            if vehicle_id in grant.vehicle_ids:
                grant.vehicle_ids.remove(vehicle_id)

    def _issue_tokens(self, grant: Grant) -> dict[str, Any]:
        now = self._clock.now()
        access_token, refresh_token = str(uuid.uuid4()), str(uuid.uuid4())
        ttl = self._config.access_token_ttl
        self._access[access_token] = _AccessToken(grant, now + ttl)
        self._refresh[refresh_token] = _RefreshToken(grant, now + REFRESH_TOKEN_TTL)
        self._save()
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "refresh_token": refresh_token,
        }

    def _save(self) -> None:
        """Keep grants and tokens in the state file, so a restarted simulator still knows them."""
        if self._config.state_file is None:
            return
        grants = [g for g in self._grants if any(t.grant is g for t in self._tokens())]
        index = {id(grant): number for number, grant in enumerate(grants)}
        state = {
            "grants": [
                {
                    "user_id": g.user_id,
                    "permissions": sorted(g.permissions),
                    "vehicle_ids": g.vehicle_ids,
                }
                for g in grants
            ],
            "access": {
                token: {"grant": index[id(t.grant)], "expires_at": t.expires_at}
                for token, t in self._access.items()
            },
            "refresh": {
                token: {
                    "grant": index[id(t.grant)],
                    "expires_at": t.expires_at,
                    "used_at": t.used_at,
                }
                for token, t in self._refresh.items()
            },
        }
        self._config.state_file.write_text(json.dumps(state))

    def _tokens(self) -> list[_AccessToken | _RefreshToken]:
        return [*self._access.values(), *self._refresh.values()]

    def _load(self, state: dict[str, Any]) -> None:
        self._grants = [
            Grant(g["user_id"], frozenset(g["permissions"]), list(g["vehicle_ids"]))
            for g in state["grants"]
        ]
        self._access = {
            token: _AccessToken(self._grants[t["grant"]], t["expires_at"])
            for token, t in state["access"].items()
        }
        self._refresh = {
            token: _RefreshToken(self._grants[t["grant"]], t["expires_at"], t["used_at"])
            for token, t in state["refresh"].items()
        }
