"""Repair issues: what the owner must do about a car, and fix flows where Home Assistant can help."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
import probatio as vol

from .api.model import Vehicle
from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import ConnectedCarConfigEntry


class Fix(StrEnum):
    """What the fix flow of an issue does."""

    REAUTH = "reauth"  # connect the account again
    RECHECK = "recheck"  # poll the car and close only when the problem is gone


# CONNECTED_SERVICES_ACCOUNT code -> issue translation key.
ACCOUNT_ISSUES: dict[str, str] = {
    "ACCOUNT_ISSUE": "account_issue",
    "AUTHENTICATION_FAILED": "authentication_failed",
    "NO_VEHICLES": "no_vehicles",
    "PERMISSION": "permission_revoked",
    "SUBSCRIPTION": "subscription",
    "VEHICLE_MISSING": "vehicle_missing",
    "VIRTUAL_KEY_REQUIRED": "virtual_key_required",
}
# The issue of an account error Smartcar may add later.
OTHER_ACCOUNT_ISSUE = "account_problem"
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
}
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
        self, hass: HomeAssistant, entry: ConnectedCarConfigEntry, vehicle: Vehicle
    ) -> None:
        """Pick up the issues an earlier run left for this car."""
        self._hass = hass
        self._entry = entry
        self._vehicle = vehicle
        self._prefix = f"{vehicle.id}_"
        self._open = {
            issue_id
            for domain, issue_id in ir.async_get(hass).issues
            if domain == DOMAIN and issue_id.startswith(self._prefix)
        }

    def issue_id(self, problem: Problem) -> str:
        """The id of problem's issue: car, key and detail."""
        return "_".join(filter(None, (self._vehicle.id, problem.key, problem.detail.lower())))

    @callback
    def async_raise(self, problem: Problem) -> None:
        """Show problem as a repair issue (again)."""
        issue_id = self.issue_id(problem)
        fix = FIXES.get(problem.key)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=fix is not None,
            severity=ir.IssueSeverity.ERROR,
            translation_key=problem.key,
            translation_placeholders={
                "car": f"{self._vehicle.make} {self._vehicle.model}",
                **problem.placeholders,
            },
            learn_more_url=problem.learn_more_url,
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


class _CarFixFlow(RepairsFlow):
    """A fix flow that asks for confirmation first; its texts name the car, as its issue does."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start at the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Explain, and act once confirmed."""
        raise NotImplementedError

    def _car(self) -> dict[str, str]:
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        placeholders = issue.translation_placeholders if issue else None
        return {"car": (placeholders or {}).get("car", "")}


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


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix flow of one of our issues."""
    assert data is not None
    if data["fix"] == Fix.REAUTH:
        return ReauthFixFlow(data["entry_id"])
    return RecheckFixFlow(data["entry_id"], data["vehicle_id"])


class ReauthFixFlow(_CarFixFlow):
    """Confirm, then start connecting the account again."""

    def __init__(self, entry_id: str) -> None:
        """Fix the account of entry_id."""
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Explain and confirm."""
        if user_input is not None:
            if entry := self.hass.config_entries.async_get_entry(self._entry_id):
                entry.async_start_reauth(self.hass)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm", data_schema=vol.Schema({}), description_placeholders=self._car()
        )


class RecheckFixFlow(_CarFixFlow):
    """Once the owner has acted, poll the car and close only when the problem is gone."""

    def __init__(self, entry_id: str, vehicle_id: str) -> None:
        """Recheck the car vehicle_id of entry_id."""
        self._entry_id = entry_id
        self._vehicle_id = vehicle_id

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask the owner to confirm they have acted; then check."""
        errors: dict[str, str] = {}
        if user_input is not None:
            entry: ConnectedCarConfigEntry | None = self.hass.config_entries.async_get_entry(
                self._entry_id
            )
            if (
                entry is not None
                and entry.state is ConfigEntryState.LOADED
                and (coordinator := entry.runtime_data.coordinators.get(self._vehicle_id))
            ):
                await coordinator.async_refresh()
            if ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id) is None:
                return self.async_create_entry(data={})
            errors["base"] = "still_there"
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=self._car(),
        )
