"""Repair issues of a car: raised while its problem lasts, cleared when it is solved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api.model import Feature, Vehicle
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .providers.base import Provider


class Fix(StrEnum):
    """What the fix flow of an issue does."""

    REAUTH = "reauth"  # connect the account again
    RECHECK = "recheck"  # poll the car and close only when the problem is gone
    CUSTOMER_NAME = "customer_name"  # ask the fleet operator's name and ask data access again
    MOVE_TO_V3 = "move_to_v3"  # move a Smartcar v2 entry to the v3 API (reconfigure's step)


# The issue of an account problem the provider names in no other way.
OTHER_ACCOUNT_ISSUE = "account_problem"
# The issue of a Smartcar entry on the v2 API, which Smartcar ends in late 2026 (one per entry).
V2_END_ISSUE = "smartcar_v2_ends"
V2_END_URL = "https://smartcar.com/docs/getting-started/how-to/m2m/migration-guide"
# Issue translation key -> its fix; keys not listed have no fix flow (they clear by themselves).
FIXES: dict[str, Fix] = {
    "authentication_failed": Fix.REAUTH,
    "permission_revoked": Fix.REAUTH,
    "missing_permission": Fix.REAUTH,
    "account_issue": Fix.RECHECK,
    "no_vehicles": Fix.RECHECK,
    "subscription": Fix.RECHECK,
    "vehicle_missing": Fix.RECHECK,
    OTHER_ACCOUNT_ISSUE: Fix.RECHECK,
    "billing": Fix.RECHECK,
    "consent_removed": Fix.RECHECK,
    "no_consent": Fix.RECHECK,
    "privacy_mode": Fix.RECHECK,
    "no_fleet": Fix.RECHECK,
    "clearance_customer_name": Fix.CUSTOMER_NAME,
    V2_END_ISSUE: Fix.MOVE_TO_V3,
}
# The data each feature stands for, in the words a repair uses for data a grant does not share.
FEATURE_WORDS: dict[Feature, str] = {
    Feature.BATTERY: "battery level and range",
    Feature.BATTERY_CAPACITY: "battery capacity",
    Feature.CHARGE: "charging state",
    Feature.CHARGE_LIMIT: "charge limit",
    Feature.FUEL: "fuel level and range",
    Feature.TIRES: "tire pressures",
    Feature.ODOMETER: "odometer",
    Feature.ENGINE_OIL: "engine oil life",
    Feature.LOCATION: "location",
    Feature.SECURITY: "locks, doors and windows",
    Feature.ENGINE: "engine state",
    Feature.TIRE_WARNINGS: "tire warnings",
    Feature.WARNINGS: "service and fluid warnings",
    Feature.NOMINAL_BATTERY_CAPACITY: "nominal battery capacity",
    Feature.DIAGNOSTICS: "diagnostics",
    Feature.TROUBLE_CODES: "trouble codes",
    Feature.SERVICE_HISTORY: "service history",
}


def data_words(features: Iterable[Feature]) -> str:
    """The features as the data people know: "location", "odometer and tire pressures"."""
    words = sorted({FEATURE_WORDS[feature] for feature in features})
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else ""


# Issues that commands raise and clear; polls never see these problems.
COMMAND_ISSUES = frozenset({"virtual_key_required"})


@dataclass(frozen=True)
class Problem:
    """A problem of one car that the owner should know about."""

    key: str  # the issue's translation key
    detail: str = ""  # tells apart problems of one key, e.g. the missing permission
    placeholders: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    learn_more_url: str | None = field(default=None, compare=False, hash=False)


class CarIssues:
    """The repair issues of one car: present while its problem lasts, gone when it is solved."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        provider: Provider,
        vehicle: Vehicle,
        scope: str = "",
    ) -> None:
        """Pick up the issues an earlier run left for this car (in scope, e.g. its clearance)."""
        self._hass = hass
        self._entry = entry
        self._provider = provider
        self._vehicle = vehicle
        self._prefix = f"{provider.key}_{scope}{vehicle.id}_"
        self._open = {
            issue_id
            for domain, issue_id in ir.async_get(hass).issues
            if domain == DOMAIN and issue_id.startswith(self._prefix)
        }

    def issue_id(self, problem: Problem) -> str:
        """The id of problem's issue: provider, car, key and detail."""
        return self._prefix + "_".join(filter(None, (problem.key, problem.detail.lower())))

    @callback
    def async_raise(self, problem: Problem) -> None:
        """Show problem as a repair issue (again), with a link to what the provider says of it."""
        issue_id = self.issue_id(problem)
        fix = FIXES.get(problem.key)
        url = problem.learn_more_url or self._provider.help_url(problem.key)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=fix is not None,
            severity=ir.IssueSeverity.ERROR,
            translation_key=problem.key,
            translation_placeholders={
                **problem.placeholders,
                "car": self._vehicle.name,
                "provider": self._provider.name,
                "url": url,
            },
            learn_more_url=url,
            data={"entry_id": self._entry.entry_id, "vehicle_id": self._vehicle.id, "fix": fix},
        )
        self._open.add(issue_id)

    @callback
    def async_sync(self, problems: Iterable[Problem]) -> None:
        """After a poll that saw the car's whole state: show problems, drop the solved ones."""
        current = {self.issue_id(problem) for problem in problems}
        for problem in problems:
            self.async_raise(problem)
        for issue_id in self._open - current:
            if not self._is_command_issue(issue_id):
                self._delete(issue_id)

    @callback
    def async_resolve(self, key: str) -> None:
        """The problem of key is solved, e.g. a command went through."""
        self._delete(self.issue_id(Problem(key)))

    def is_open(self, problem: Problem) -> bool:
        """Whether problem's issue is shown."""
        return self.issue_id(problem) in self._open

    def _is_command_issue(self, issue_id: str) -> bool:
        return any(issue_id == f"{self._prefix}{key}" for key in COMMAND_ISSUES)

    def _delete(self, issue_id: str) -> None:
        if issue_id in self._open:
            self._open.discard(issue_id)
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)


@callback
def async_raise_v2_end(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Warn that the entry's Smartcar v2 API ends, with a fix that moves it to v3 (the entry's
    issues are deleted at each setup, so a moved entry's goes)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{V2_END_ISSUE}_{entry.entry_id}",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=V2_END_ISSUE,
        translation_placeholders={"entry": entry.title, "url": V2_END_URL},
        learn_more_url=V2_END_URL,
        data={"entry_id": entry.entry_id, "fix": Fix.MOVE_TO_V3},
    )


@callback
def async_delete_entry_issues(
    hass: HomeAssistant, entry_id: str, keep_vehicles: Iterable[str] = ()
) -> None:
    """Delete the issues of an entry's cars, but for the cars in keep_vehicles."""
    keep = set(keep_vehicles)
    for (domain, issue_id), issue in list(ir.async_get(hass).issues.items()):
        data = issue.data or {}
        if (
            domain == DOMAIN
            and data.get("entry_id") == entry_id
            and data.get("vehicle_id") not in keep
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
