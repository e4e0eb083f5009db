"""Fix flows of the repair issues, where Home Assistant can help the owner solve a problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.components.repairs.const import FlowType
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import probatio as vol

from .api.errors import ApiError
from .api.high_mobility import ClearanceStatus
from .config_flow import MOVE_TO_V3
from .const import DOMAIN, REAUTH_FOR_DATA
from .issues import Fix

if TYPE_CHECKING:
    from .coordinator import ConnectedCarConfigEntry


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

    def _placeholders(self) -> dict[str, str]:
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        return dict(issue.translation_placeholders or {}) if issue else {}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix flow of one of our issues; a plain confirmation when its data is unknown."""
    match data:
        case {"fix": Fix.REAUTH, "entry_id": str(entry_id)}:
            return ReauthFixFlow(entry_id)
        case {"fix": Fix.RECHECK, "entry_id": str(entry_id), "vehicle_id": str(vehicle_id)}:
            return RecheckFixFlow(entry_id, vehicle_id)
        case {"fix": Fix.CUSTOMER_NAME, "entry_id": str(entry_id), "vehicle_id": str(vehicle_id)}:
            return CustomerNameFixFlow(entry_id, vehicle_id)
        case {"fix": Fix.MOVE_TO_V3, "entry_id": str(entry_id)}:
            return MoveToV3FixFlow(entry_id)
    return ConfirmRepairFlow()


class ReauthFixFlow(_CarFixFlow):
    """Confirm, then start connecting the account again."""

    def __init__(self, entry_id: str) -> None:
        """Fix the account of entry_id."""
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Explain and confirm; the repair stays until the new login solves the problem."""
        if user_input is not None:
            if entry := self.hass.config_entries.async_get_entry(self._entry_id):
                missing = self._placeholders().get("data")
                data = {**entry.data, REAUTH_FOR_DATA: missing} if missing else None
                entry.async_start_reauth(self.hass, data=data)
            return self.async_abort(
                reason="reauth_started", description_placeholders=self._placeholders()
            )
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders=self._placeholders(),
        )


class MoveToV3FixFlow(_CarFixFlow):
    """Explain v2's end; once confirmed, open the entry's move to v3 (its reconfigure step)."""

    def __init__(self, entry_id: str) -> None:
        """Move the Smartcar entry entry_id."""
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Explain and confirm; the repair stays until the entry runs on v3."""
        if user_input is not None:
            flows = self.hass.config_entries.flow
            started = await flows.async_init(
                DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": self._entry_id}
            )
            moving = await flows.async_configure(started["flow_id"], {"next_step_id": MOVE_TO_V3})
            return self.async_abort(
                reason="move_started",
                description_placeholders=self._placeholders(),
                next_flow=(FlowType.CONFIG_FLOW, moving["flow_id"]),
            )
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders=self._placeholders(),
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
                await coordinator.async_refresh_everything()
            if ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id) is None:
                return self.async_create_entry(data={})
            errors["base"] = "still_there"
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=self._placeholders(),
        )


class CustomerNameFixFlow(_CarFixFlow):
    """Ask the fleet operator's name, and ask data access for the car again with it."""

    def __init__(self, entry_id: str, vehicle_id: str) -> None:
        """Fix the clearance of the car vehicle_id of entry_id."""
        self._entry_id = entry_id
        self._vehicle_id = vehicle_id

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask the name; send it."""
        errors: dict[str, str] = {}
        placeholders = self._placeholders()
        if user_input is not None:
            entry: ConnectedCarConfigEntry | None = self.hass.config_entries.async_get_entry(
                self._entry_id
            )
            if entry is None or entry.state is not ConfigEntryState.LOADED:
                return self.async_abort(reason="entry_not_loaded")
            clearances = entry.runtime_data.clearances
            assert clearances is not None
            try:
                answer = await clearances.async_set_customer_name(
                    self._vehicle_id, user_input["customer_name"].strip()
                )
            except ApiError:
                errors["base"] = "cannot_connect"
            else:
                if answer.status is not ClearanceStatus.ERROR:
                    return self.async_create_entry(data={})
                errors["base"] = "refused"
                placeholders["description"] = answer.description or "-"
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({vol.Required("customer_name"): str}),
            errors=errors,
            description_placeholders={"description": "-", **placeholders},
        )
