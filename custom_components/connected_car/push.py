"""Push: one Home Assistant webhook per entry, fed by the provider, feeding the cars.

The URL is a Home Assistant Cloud cloudhook where Cloud is active, else the external URL; with
neither, the cars are polled and a repair says what to set up. A delivery is refused before it is
read when too big, and before it is parsed when not signed with the application's key; a signed
one is answered at once and applied after. Event ids are kept a week (across restarts) so that a
delivery sent again changes nothing; a value older than the one shown is never taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api.errors import ApiError
from .api.push import PushChallenge, PushDelivery, PushError, SignatureError
from .const import DOMAIN, LOGGER
from .fleet import new_car_signal

if TYPE_CHECKING:
    from .api.client import VehicleClient
    from .coordinator import ConnectedCarConfigEntry, VehicleCoordinator
    from .fleet import Fleet
    from .providers.push import PushSupport

CONF_WEBHOOK_ID = "webhook_id"
MAX_BODY = 256 * 1024
SEEN_FOR = timedelta(days=7)
STORE_VERSION = 1
SAVE_DELAY = 10
NO_URL_ISSUE = "push_no_url"


class EntryPush:
    """The webhook of one entry: its URL, the deliveries seen, the cars subscribed."""

    def __init__(
        self, hass: HomeAssistant, entry: ConnectedCarConfigEntry, fleet: Fleet, push: PushSupport
    ) -> None:
        """Receive for entry's cars (fleet) what push's provider sends."""
        self.hass = hass
        self.entry = entry
        self.fleet = fleet
        self.support = push
        self.url: str | None = None
        self.rejected = 0  # deliveries refused since the entry was set up
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.push"
        )
        self._seen: dict[str, str] = {}  # event id -> when it came (ISO)
        self._subscribed: set[str] = set()
        self._learned_webhook_id: str | None = None
        # The last delivery that came, for the options' "test delivery": when, and its outcome.
        self.last_delivery: tuple[datetime, str] | None = None

    @property
    def webhook_id(self) -> str:
        """Home Assistant's id of the entry's webhook (stored in the entry)."""
        return str(self.entry.data[CONF_WEBHOOK_ID])

    @property
    def secret(self) -> str:
        """The key deliveries are signed with; empty until the user enters it."""
        return str(self.entry.options.get(self.support.secret_option) or "")

    @property
    def provider_webhook_id(self) -> str | None:
        """The provider's id of its webhook: from the options, else learned from a VERIFY."""
        return self.support.webhook_id(self.entry.options) or self._learned_webhook_id

    async def async_setup(self) -> None:
        """Register the webhook, find its URL, and subscribe the cars not subscribed yet."""
        if CONF_WEBHOOK_ID not in self.entry.data:
            self.hass.config_entries.async_update_entry(
                self.entry,
                data={**self.entry.data, CONF_WEBHOOK_ID: webhook.async_generate_id()},
            )
        stored = await self._store.async_load() or {}
        self._seen = dict(stored.get("seen", {}))
        self._subscribed = set(stored.get("subscribed", []))
        self._learned_webhook_id = stored.get("provider_webhook_id")
        webhook.async_register(
            self.hass,
            DOMAIN,
            self.entry.title,
            self.webhook_id,
            self._async_handle,
            allowed_methods=[hdrs.METH_POST],
        )
        self.entry.async_on_unload(self._async_unregister)
        self.entry.async_on_unload(
            async_dispatcher_connect(
                self.hass, new_car_signal(self.entry.entry_id), self._async_new_car
            )
        )
        self.url = await self._async_url()
        self._sync_issue()
        if self.url is not None:
            self.entry.async_create_background_task(
                self.hass, self.async_subscribe_all(), f"{DOMAIN} subscribe"
            )

    @callback
    def _async_unregister(self) -> None:
        webhook.async_unregister(self.hass, self.webhook_id)

    async def _async_url(self) -> str | None:
        """A Cloud cloudhook where Cloud is active, else the external URL, else None."""
        if "cloud" in self.hass.config.components:  # pragma: no cover - no Cloud in tests
            from homeassistant.components import cloud  # noqa: PLC0415

            if cloud.async_active_subscription(self.hass):
                try:
                    return await cloud.async_get_or_create_cloudhook(self.hass, self.webhook_id)
                except cloud.CloudNotAvailable:
                    LOGGER.debug("Home Assistant Cloud is not available for a cloudhook")
        try:
            base = get_url(self.hass, prefer_external=True, allow_internal=False)
        except NoURLAvailableError:
            return None
        return f"{base}{webhook.async_generate_path(self.webhook_id)}"

    @callback
    def _sync_issue(self) -> None:
        issue_id = f"{NO_URL_ISSUE}_{self.entry.entry_id}"
        if self.url is not None or not self.secret:  # no URL matters once push is wanted
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=NO_URL_ISSUE,
            translation_placeholders={"entry": self.entry.title},
            data={"entry_id": self.entry.entry_id},
        )

    @property
    def live(self) -> bool:
        """Whether deliveries can come: a URL, the key, and the provider's webhook known."""
        return bool(self.url and self.secret and self.provider_webhook_id)

    async def async_subscribe_all(self) -> None:
        """Subscribe every car not subscribed yet; a refusal is retried at the next setup."""
        if not self.live:
            return
        for vehicle_id in list(self.fleet.coordinators):
            if vehicle_id not in self._subscribed:
                await self._async_subscribe(vehicle_id)

    @callback
    def _async_new_car(self, coordinator: VehicleCoordinator) -> None:
        """A car joined the account after setup: subscribe it now, not at the next reload."""
        if self.live:
            self.entry.async_create_background_task(
                self.hass, self._async_subscribe(coordinator.vehicle.id), f"{DOMAIN} subscribe"
            )

    async def _async_subscribe(self, vehicle_id: str) -> None:
        webhook_id = self.provider_webhook_id
        assert webhook_id is not None
        try:
            await self.support.async_subscribe(self.fleet.client, vehicle_id, webhook_id)
        except ApiError as err:
            LOGGER.warning("Could not subscribe a car of %s to push: %s", self.entry.title, err)
            return
        self._subscribed.add(vehicle_id)
        self._save()

    async def async_unsubscribe(self, vehicle_id: str) -> None:
        """Stop a car's deliveries (its device is removed, or the entry)."""
        webhook_id = self.provider_webhook_id
        if vehicle_id not in self._subscribed or webhook_id is None:
            return
        try:
            await self.support.async_unsubscribe(
                self.fleet.client, vehicle_id, webhook_id, self.secret
            )
        except ApiError as err:
            LOGGER.warning("Could not unsubscribe a car of %s from push: %s", self.entry.title, err)
        self._subscribed.discard(vehicle_id)
        self._save()

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Answer a delivery within a second: refuse it, answer its challenge, or take it."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return self._reject(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "refused: too big")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return self._reject(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "refused: too big")
        try:
            result = self.support.read(self.secret, body, request.headers)
        except SignatureError:
            return self._reject(HTTPStatus.UNAUTHORIZED, "refused: signature does not match")
        except PushError:
            return self._reject(HTTPStatus.BAD_REQUEST, "refused: signed, of no known shape")
        if isinstance(result, PushChallenge):
            self._note("challenge answered")
            self._on_challenge(result)
            return web.json_response(result.answer)
        if result.test:
            self._note("test delivery, signature valid")
            return web.Response(status=HTTPStatus.ACCEPTED)
        self._note("signature valid")
        if self._already_seen(result.event_id):
            return web.Response(status=HTTPStatus.OK)
        self.entry.async_create_background_task(hass, self._async_apply(result), f"{DOMAIN} push")
        return web.Response(status=HTTPStatus.OK)

    def _note(self, outcome: str) -> None:
        self.last_delivery = (dt_util.utcnow(), outcome)

    @property
    def last_delivery_text(self) -> str:
        """The last delivery as the options show it: "2026-12-03 16:40:05 UTC: signature valid"."""
        if self.last_delivery is None:
            return "-"
        at, outcome = self.last_delivery
        return f"{at:%Y-%m-%d %H:%M:%S} UTC: {outcome}"

    def _reject(self, status: HTTPStatus, why: str) -> web.Response:
        self._note(why)
        self.rejected += 1
        LOGGER.debug("Refused a push delivery to %s: %s", self.entry.title, why)
        for coordinator in self.fleet.coordinators.values():
            coordinator.async_push_rejected()
        return web.Response(status=status)

    @callback
    def _on_challenge(self, challenge: PushChallenge) -> None:
        """The provider verifies the webhook: learn its id, then subscribe the cars."""
        if challenge.webhook_id and challenge.webhook_id != self._learned_webhook_id:
            self._learned_webhook_id = challenge.webhook_id
            self._subscribed.clear()  # another webhook: subscribe every car to it
            self._save()
            self.entry.async_create_background_task(
                self.hass, self.async_subscribe_all(), f"{DOMAIN} subscribe"
            )

    def _already_seen(self, event_id: str) -> bool:
        """Whether the event came before; note it otherwise (and forget those a week old)."""
        now = dt_util.utcnow()
        if event_id in self._seen:
            return True
        oldest = (now - SEEN_FOR).isoformat()
        self._seen = {e: at for e, at in self._seen.items() if at >= oldest}
        self._seen[event_id] = now.isoformat()
        self._save()
        return False

    async def _async_apply(self, delivery: PushDelivery) -> None:
        if (clearances := self.fleet.clearances) is not None:
            trusted_until = dt_util.utcnow() + self.support.healthy_for
            if clearances.async_pushed(delivery.clearances, trusted_until):
                self.fleet.async_check_soon()
        for update in delivery.updates:
            if coordinator := self._coordinator(update.vehicle_id):
                coordinator.async_push(update.snapshot)
        for problem in delivery.problems:
            if coordinator := self._coordinator(problem.vehicle_id):
                coordinator.async_push_problem(problem.error, resolved=problem.resolved)

    def _coordinator(self, vehicle_id: str) -> VehicleCoordinator | None:
        coordinator = self.fleet.coordinators.get(vehicle_id)
        if coordinator is None:
            LOGGER.debug("A push delivery to %s names a car it does not have", self.entry.title)
        return coordinator

    def _save(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def _data(self) -> dict[str, Any]:
        return {
            "seen": self._seen,
            "subscribed": sorted(self._subscribed),
            "provider_webhook_id": self._learned_webhook_id,
        }

    async def async_flush(self) -> None:
        """Store what was seen now (the entry unloads)."""
        await self._store.async_save(self._data())


async def async_remove_entry_push(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, push: PushSupport, client: VehicleClient
) -> None:
    """The entry is deleted: unsubscribe the cars it subscribed, and forget what it saw."""
    store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.push")
    stored = await store.async_load() or {}
    webhook_id = push.webhook_id(entry.options) or stored.get("provider_webhook_id")
    secret = entry.options.get(push.secret_option)
    if webhook_id and secret:
        for vehicle_id in stored.get("subscribed", []):
            try:
                await push.async_unsubscribe(client, vehicle_id, webhook_id, secret)
            except ApiError as err:
                LOGGER.warning("Could not unsubscribe a car of %s from push: %s", entry.title, err)
    await store.async_remove()
