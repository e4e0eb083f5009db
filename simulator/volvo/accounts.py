"""Volvo ID accounts: authorization codes bound to a PKCE challenge, and rotating tokens."""

import base64
from dataclasses import dataclass
import hashlib
import hmac
import json
from pathlib import Path
import re
from typing import Any
import uuid

from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.oauth import OAuthError

CODE_TTL = 600
REFRESH_TOKEN_TTL = 60 * 86400
DEFAULT_USER = "default"
ISSUER = "https://volvoid.eu.volvocars.com"
_USER_NAMESPACE = uuid.UUID("0b6e3c52-8f2a-4d71-a9c4-5e1d7b2f3a90")
# RFC 7636: 43 to 128 unreserved characters.
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")

SCOPES = frozenset(
    {
        "openid",
        "conve:battery_charge_level",
        "conve:brake_status",
        "conve:climatization_start_stop",
        "conve:command_accessibility",
        "conve:commands",
        "conve:diagnostics_engine_status",
        "conve:diagnostics_workshop",
        "conve:doors_status",
        "conve:engine_status",
        "conve:fuel_status",
        "conve:lock_status",
        "conve:odometer_status",
        "conve:trip_statistics",
        "conve:tyre_status",
        "conve:vehicle_relation",
        "conve:warnings",
        "conve:windows_status",
        "energy:capability:read",
        "energy:state:read",
        # Restricted: granted to applications Volvo approved for them.
        "conve:lock",
        "conve:unlock",
        "conve:engine_start_stop",
        "conve:honk_flash",
        "location:read",
    }
)


def user_id(name: str) -> str:
    """Return the stable Volvo ID subject of a simulated account name."""
    return str(uuid.uuid5(_USER_NAMESPACE, name))


def s256(verifier: str) -> str:
    """Return the PKCE S256 challenge of a verifier: BASE64URL(SHA256(verifier)), no padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass
class VolvoGrant:
    """Who signed in, the scopes they granted and the cars on their account (VINs)."""

    user_id: str
    scopes: frozenset[str]
    vins: list[str]


@dataclass
class _Code:
    grant: VolvoGrant
    redirect_uri: str
    challenge: str
    expires_at: float


@dataclass
class _Token:
    grant: VolvoGrant
    expires_at: float


class VolvoAccounts:
    """Grants and the codes and tokens that carry them."""

    def __init__(self, config: SimulatorConfig, clock: SimClock) -> None:
        """Start with no grants, or with those of the state file."""
        self._config = config
        self._clock = clock
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._file = None if config.state_file is None else _volvo_file(config.state_file)
        if self._file is not None and self._file.exists():
            self._load(json.loads(self._file.read_text()))

    def issue_code(self, grant: VolvoGrant, redirect_uri: str, challenge: str) -> str:
        """Return a single-use authorization code (10 minutes) bound to the PKCE challenge."""
        code = uuid.uuid4().hex
        self._codes[code] = _Code(grant, redirect_uri, challenge, self._clock.now() + CODE_TTL)
        return code

    def redeem_code(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """Exchange a code for tokens; the code dies at the first attempt, good or bad."""
        entry = self._codes.pop(code, None)
        if entry is None or entry.expires_at <= self._clock.now():
            raise OAuthError("invalid_grant", "Authorization code is invalid or expired.")
        if entry.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization.")
        if not PKCE_VERIFIER.fullmatch(verifier) or not hmac.compare_digest(
            s256(verifier), entry.challenge
        ):
            raise OAuthError("invalid_grant", "PKCE verification failed.")
        return self._issue_tokens(entry.grant)

    def refresh(self, token: str) -> dict[str, Any]:
        """Exchange a refresh token for new tokens; the old refresh token dies at once."""
        entry = self._refresh.pop(token, None)
        if entry is None or entry.expires_at <= self._clock.now():
            self._save()
            raise OAuthError("invalid_grant", "Refresh token is invalid, expired or revoked.")
        return self._issue_tokens(entry.grant)

    def grant_for(self, access_token: str) -> VolvoGrant | None:
        """Return the grant of a live access token."""
        entry = self._access.get(access_token)
        if entry is None or entry.expires_at <= self._clock.now():
            return None
        return entry.grant

    def _issue_tokens(self, grant: VolvoGrant) -> dict[str, Any]:
        now = self._clock.now()
        access_token, refresh_token = uuid.uuid4().hex, uuid.uuid4().hex
        ttl = self._config.volvo_access_token_ttl
        self._access[access_token] = _Token(grant, now + ttl)
        self._refresh[refresh_token] = _Token(grant, now + REFRESH_TOKEN_TTL)
        self._save()
        tokens: dict[str, Any] = {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(grant.scopes)),
        }
        if "openid" in grant.scopes:
            tokens["id_token"] = self._id_token(grant, now, ttl)
        return tokens

    def _id_token(self, grant: VolvoGrant, now: float, ttl: int) -> str:
        """Return an unsigned JWT naming the user (`alg: none`; nothing checks it)."""
        claims = {
            "iss": ISSUER,
            "sub": grant.user_id,
            "aud": self._config.volvo_client_id,
            "iat": int(now),
            "exp": int(now) + ttl,
        }
        parts = ({"alg": "none", "typ": "JWT"}, claims)
        encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
        return f"{encoded[0].decode()}.{encoded[1].decode()}."

    def _save(self) -> None:
        """Keep grants and tokens beside Smartcar's state file, so a restart still knows them."""
        if self._file is None:
            return
        grants: list[VolvoGrant] = []
        for token in [*self._access.values(), *self._refresh.values()]:
            if not any(grant is token.grant for grant in grants):
                grants.append(token.grant)

        def tokens(entries: dict[str, _Token]) -> dict[str, Any]:
            index = [id(grant) for grant in grants]
            return {
                key: {"grant": index.index(id(t.grant)), "expires_at": t.expires_at}
                for key, t in entries.items()
            }

        state = {
            "grants": [
                {"user_id": g.user_id, "scopes": sorted(g.scopes), "vins": g.vins} for g in grants
            ],
            "access": tokens(self._access),
            "refresh": tokens(self._refresh),
        }
        self._file.write_text(json.dumps(state))

    def _load(self, state: dict[str, Any]) -> None:
        grants = [
            VolvoGrant(g["user_id"], frozenset(g["scopes"]), list(g["vins"]))
            for g in state["grants"]
        ]
        self._access = {
            key: _Token(grants[t["grant"]], t["expires_at"]) for key, t in state["access"].items()
        }
        self._refresh = {
            key: _Token(grants[t["grant"]], t["expires_at"]) for key, t in state["refresh"].items()
        }


def _volvo_file(state_file: Path) -> Path:
    """Return where Volvo's grants are kept: beside the state file, with `.volvo` added."""
    return state_file.with_name(f"{state_file.name}.volvo")
