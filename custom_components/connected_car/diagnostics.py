"""Diagnostics: the entry and each car's latest data, with secrets and whereabouts redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import ConnectedCarConfigEntry

TO_REDACT = {
    "access_token",
    "refresh_token",
    "id_token",
    "vin",
    "serial_number",
    "latitude",
    "longitude",
    "unique_id",
    "user_id",
    "webhook_secret",
    "webhook_id",
    "cloudhook_url",
    "api_key",
    "client_id",
    "client_secret",
    "image_url",
    "resolution_url",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry
) -> dict[str, Any]:
    """What helps debug the entry, without tokens, VINs or locations."""
    cars = {
        f"car_{index}": {
            "make": c.vehicle.make,
            "model": c.vehicle.model,
            "year": c.vehicle.year,
            "vin": c.vehicle.vin,
            "permissions": sorted(c.permissions),
            "supported": sorted(c.supported),
            "commands": sorted(c.commands),
            "polled": list(c.polled_features),
            "last_read": {str(f): at.isoformat() for f, at in sorted(c.last_read.items())},
            # Features the provider said the car cannot give, not yet proven: how often.
            "unsupported_answers": {str(f): len(a) for f, a in c.unsupported_answers.items()},
            "update_interval": str(c.update_interval),
            "last_update_success": c.last_update_success,
            "readings": {str(f): asdict(r) for f, r in (c.data.readings.items() if c.data else ())},
            "errors": {
                str(f): asdict(e.details) for f, e in (c.data.errors.items() if c.data else ())
            },
            "data_source": c.data_source if c.has_push else None,
            "last_push_received": (
                c.last_push_received.isoformat() if c.last_push_received else None
            ),
            "pushes_rejected": c.pushes_rejected,
            "awaiting_push": sorted(c.awaiting_push),
        }
        for index, c in enumerate(entry.runtime_data.coordinators.values())
    }
    entry_data = {**entry.data, "vehicles": len(entry.data.get("vehicles", {}))}
    if (clearances := entry.runtime_data.clearances) is not None:
        # Cars asked data access for, by VIN: only their brands and clearance states.
        entry_data["cars"] = [
            {
                "brand": car["brand"],
                "status": str(state.status) if (state := clearances.states.get(vin)) else None,
                "reason": state.reason if state else None,
            }
            for vin, car in clearances.cars.items()
        ]
    diagnostics: dict[str, Any] = {
        "entry": {
            "data": entry_data,
            "options": dict(entry.options),
            "unique_id": entry.unique_id,
        },
        "cars": cars,
    }
    to_redact = set(TO_REDACT)
    if (push := entry.runtime_data.push) is not None:
        # Whether deliveries can come, not where: the URL holds the webhook's id.
        diagnostics["push"] = {
            "url_known": push.url is not None,
            "live": push.live,
            "last_delivery": push.last_delivery_text,
            "rejected": push.rejected,
        }
        to_redact.add(push.support.secret_option)  # the key deliveries are signed with
    return async_redact_data(diagnostics, to_redact)
