"""Fleet clearance: the cars an application asked data access for, and the state of each request.

A clearance moves through pending, approved, rejected, revoking, revoked, canceling, canceled and
error. Its future is planned when it is added (or scripted through the control API) and happens as
the simulated clock passes each planned moment, so reading the fleet is all it takes to see it move.
"""

from dataclasses import dataclass, field
import re
from typing import Any

from simulator.clock import isoformat
from simulator.high_mobility.errors import HighMobilityError

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
REVOKING, REVOKED, CANCELING, CANCELED, ERROR = (
    "revoking",
    "revoked",
    "canceling",
    "canceled",
    "error",
)
STATUSES = (PENDING, APPROVED, REJECTED, REVOKING, REVOKED, CANCELING, CANCELED, ERROR)
# States in which the clearance is over: removing it again is a conflict, adding it starts anew.
ENDED = frozenset({REJECTED, REVOKED, CANCELED, ERROR})
IN_TRANSITION = frozenset({REVOKING, CANCELING})

# The brands fleet clearance accepts.
BRANDS = frozenset(
    {
        "bmw",
        "citroen",
        "ds",
        "mercedes-benz",
        "mini",
        "opel",
        "peugeot",
        "vauxhall",
        "jeep",
        "fiat",
        "alfaromeo",
        "ford",
        "renault",
        "dacia",
        "toyota",
        "lexus",
        "porsche",
        "maserati",
        "kia",
        "tesla",
        "volvo-cars",
        "skoda",
        "audi",
        "volkswagen",
        "seat",
        "cupra",
        "polestar",
        "sandbox",
    }
)
VW_GROUP = frozenset({"volkswagen", "audi", "skoda", "seat", "cupra"})
STELLANTIS = frozenset(
    {"alfaromeo", "citroen", "ds", "fiat", "jeep", "maserati", "opel", "peugeot", "vauxhall"}
)
# Brands whose pending clearance can be canceled, and not before a day after it was created.
CANCELABLE = STELLANTIS | VW_GROUP | {"mercedes-benz"}
CANCEL_AFTER = 86400
# VW group brands need the fleet operator's name as this tag, else they are rejected.
CUSTOMER_NAME_TAG = "vw-group-customer-name"

# The pending and reject reasons the activation guide lists.
UNSPECIFIED = "unspecified"
INVALID_VIN = "invalid VIN"
CUSTOMER_NAME_TAG_MISSING = "customer name tag missing"
PRIVACY_MODE = "privacy mode is enabled"
REASONS = (
    UNSPECIFIED,
    "invalid client configuration",
    INVALID_VIN,
    "ineligible VIN",
    "VIN is assigned to a different OEM fleet",
    "VIN is assigned to a different app or project",
    "consent assignment missing",
    "invalid OEM state: VIN revoke in progress",
    "VIN activation timeout",
    "telematics hardware error",
    "invalid OEM state",
    "OEM fleet assignment failed",
    CUSTOMER_NAME_TAG_MISSING,
    PRIVACY_MODE,
    "ineligible or constrained VIN",
    "vehicle platform not supported",
    "primary user enrolled",
    "software version incompatible",
    "activation timeout: no data",
)
# How long a privacy-mode car stays pending before it is rejected, unless scripted otherwise.
PRIVACY_MODE_RETRIES = 3 * 86400
VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")

# Scripted outcomes (control API): how a VIN's clearance goes on.
APPROVE, REJECT, PRIVACY, STAY_PENDING, FAIL, REVOKE, REFUSE = (
    "approve",
    "reject",
    "privacy_mode",
    "pending",
    "error",
    "revoke",
    "refuse",
)
OUTCOMES = (APPROVE, REJECT, PRIVACY, STAY_PENDING, FAIL, REVOKE, REFUSE)
# What adding a VIN scripted to be refused is answered (its item `error`, nothing kept).
REFUSED_DESCRIPTION = "The vehicle can not be added to the fleet"


@dataclass(frozen=True)
class Change:
    """One entry of a clearance's changelog: when it took which state, and why."""

    at: float
    status: str
    reason: str | None = None

    def to_json(self) -> dict[str, str]:
        """Return `{timestamp, status, reason?}`."""
        entry = {"timestamp": isoformat(self.at), "status": self.status}
        if self.reason is not None:
            entry["reason"] = self.reason
        return entry


@dataclass(frozen=True)
class Outcome:
    """A scripted course for a VIN's clearance; `after` is seconds until it happens.

    approve, reject and error decide a pending clearance (`after` defaults to the approval delay);
    pending keeps it pending (with `reason`); privacy_mode keeps it pending with the privacy reason
    and rejects it `after` seconds later (3 days by default); revoke approves a pending clearance
    as usual and has the owner revoke it `after` seconds after approval (an approved one `after`
    seconds from now).
    """

    kind: str
    reason: str | None = None
    after: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Return `{outcome, reason, after}`."""
        return {"outcome": self.kind, "reason": self.reason, "after": self.after}


@dataclass
class Clearance:
    """A car of the fleet: what was asked, what happened, and what is planned."""

    vin: str
    brand: str
    tags: dict[str, str]
    created_at: float
    changelog: list[Change]
    planned: list[Change] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The state the clearance is in."""
        return self.changelog[-1].status

    def settle(self, now: float) -> None:
        """Let what was planned up to `now` happen."""
        while self.planned and self.planned[0].at <= now:
            self.changelog.append(self.planned.pop(0))

    def to_json(self) -> dict[str, Any]:
        """Return the clearance as `GET /v1/fleets/vehicles` lists it."""
        return {
            "vin": self.vin,
            "status": self.status,
            "brand": self.brand,
            "tags": dict(self.tags),
            "changelog": [change.to_json() for change in self.changelog],
        }


class Fleet:
    """One application's clearances, by VIN."""

    def __init__(self, approval_delay: float, transition_delay: float) -> None:
        """Start with no cars; pending clearances are decided after `approval_delay` seconds."""
        self.approval_delay = approval_delay
        self.transition_delay = transition_delay
        self._clearances: dict[str, Clearance] = {}

    def get(self, vin: str, now: float) -> Clearance | None:
        """Return the clearance of a VIN, brought up to `now`."""
        clearance = self._clearances.get(vin)
        if clearance is not None:
            clearance.settle(now)
        return clearance

    def all(self, now: float) -> list[Clearance]:
        """Return every clearance, brought up to `now`, in the order they were added."""
        for clearance in self._clearances.values():
            clearance.settle(now)
        return list(self._clearances.values())

    def add(self, item: dict[str, Any], now: float, outcome: Outcome | None) -> dict[str, Any]:
        """Add one car of a `POST /v1/fleets/vehicles`; return its item of the answer.

        A VIN that is not 17 characters or an unknown brand is answered `error` with a description
        and not kept. A VIN already in the fleet keeps its clearance unless that one has ended.
        """
        vin, brand, tags = item.get("vin"), item.get("brand"), item.get("tags") or {}
        if not isinstance(vin, str) or len(vin) != 17:
            return _refused(vin, "vin should be 17 character(s)")
        if not isinstance(brand, str) or brand not in BRANDS:
            return _refused(vin, "The brand is invalid")
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            return _refused(vin, "tags should be a map of strings")
        if outcome is not None and outcome.kind == REFUSE:
            return _refused(vin, REFUSED_DESCRIPTION)
        clearance = self.get(vin, now)
        if clearance is None or clearance.status in ENDED:
            changelog = [] if clearance is None else clearance.changelog
            clearance = Clearance(vin, brand, dict(tags), now, [*changelog, Change(now, PENDING)])
            self._clearances[vin] = clearance
            self._plan_new(clearance, now, outcome)
        return {"vin": vin, "status": clearance.status, "tags": dict(clearance.tags)}

    def remove(self, vin: str, now: float) -> Clearance:
        """Revoke an approved clearance or cancel a pending one (`DELETE`), by the brand's rules."""
        clearance = self.get(vin, now)
        if clearance is None:
            raise HighMobilityError("NOT_FOUND", "CLEARANCE")
        if clearance.status in IN_TRANSITION:
            raise HighMobilityError("CONFLICT", "IN_TRANSITION")
        if clearance.status in ENDED:
            raise HighMobilityError("CONFLICT", "ALREADY_REMOVED")
        if clearance.status == PENDING:
            if clearance.brand not in CANCELABLE:
                raise HighMobilityError("NOT_SUPPORTED")
            if now < clearance.created_at + CANCEL_AFTER:
                raise HighMobilityError("TOO_EARLY")
            moving, ended = CANCELING, CANCELED
        else:
            moving, ended = REVOKING, REVOKED
        clearance.changelog.append(Change(now, moving))
        clearance.planned = [Change(now + self.transition_delay, ended)]
        return clearance

    def script(self, vin: str, outcome: Outcome, now: float) -> bool:
        """Plan a VIN's clearance anew from `now`; False when there is none it applies to."""
        clearance = self.get(vin, now)
        if clearance is None:
            return False
        return self._plan(clearance, outcome, now)

    def _plan_new(self, clearance: Clearance, now: float, outcome: Outcome | None) -> None:
        """Plan a new clearance: the brand's and VIN's rules first, then the script or approval."""
        if not VIN.fullmatch(clearance.vin):
            outcome = Outcome(REJECT, INVALID_VIN)
        elif clearance.brand in VW_GROUP and not clearance.tags.get(CUSTOMER_NAME_TAG):
            outcome = Outcome(REJECT, CUSTOMER_NAME_TAG_MISSING)
        self._plan(clearance, outcome or Outcome(APPROVE), now)

    def _plan(self, clearance: Clearance, outcome: Outcome, now: float) -> bool:
        status, after = clearance.status, outcome.after
        decided_at = now + (self.approval_delay if after is None else after)
        if outcome.kind == REVOKE and status in (PENDING, APPROVED):
            approved_at = now + self.approval_delay if status == PENDING else now
            revoked_at = approved_at + (self.approval_delay if after is None else after)
            approval = [Change(approved_at, APPROVED)] if status == PENDING else []
            clearance.planned = [*approval, Change(revoked_at, REVOKED)]
            return True
        if status != PENDING or outcome.kind in (REVOKE, REFUSE):
            return False
        if outcome.kind == STAY_PENDING:
            clearance.planned = []
            if outcome.reason is not None:
                clearance.changelog.append(Change(now, PENDING, outcome.reason))
        elif outcome.kind == PRIVACY:
            clearance.changelog.append(Change(now, PENDING, PRIVACY_MODE))
            rejected_at = now + (PRIVACY_MODE_RETRIES if after is None else after)
            clearance.planned = [Change(rejected_at, REJECTED, PRIVACY_MODE)]
        elif outcome.kind == REJECT:
            clearance.planned = [Change(decided_at, REJECTED, outcome.reason or UNSPECIFIED)]
        elif outcome.kind == FAIL:
            clearance.planned = [Change(decided_at, ERROR, outcome.reason)]
        else:
            clearance.planned = [Change(decided_at, APPROVED)]
        return True


def _refused(vin: Any, description: str) -> dict[str, Any]:
    return {"vin": vin, "status": ERROR, "description": description}
