"""Assist, Home Assistant's own conversation agent, asked about the cars and told to lock them.

The owner has exposed the cars' entities to Assist (locks are not by default). Assist finds a name
exactly ("lock the {name}"), else by a fuzzy match on whole entity names that skips words it does
not know. So no entity is named like the bare car: "what is the battery level of the Tesla Model 3"
and "turn off the Tesla Model 3" would reach it, the second unlocking a lock named so. And the lock
has a two-word name, "Door lock": a one-word "Lock" is near enough to a long car name ("Toyota RAV4
Prime" vs "Toyota RAV4 Prime Lock") for "turn off the Toyota RAV4 Prime" to unlock it.
"""

from typing import Any

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.components.lock import LockState
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import SetupIntegration
from .helpers import state_of
from .simulator_control import SimulatorControl

# The domains Assist reads by name ("what is the {name}") among ours.
READ_BY_NAME = ("sensor", "switch", "lock")


async def set_up_assist(
    hass: HomeAssistant, setup_integration: SetupIntegration, provider: str = "smartcar"
) -> MockConfigEntry:
    """Assist with every entity of provider's cars exposed to it."""
    for component in ("homeassistant", "conversation", "intent"):
        assert await async_setup_component(hass, component, {})
    entry = await setup_integration(provider)
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        async_expose_entity(hass, "conversation", entity.entity_id, True)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def assist(hass: HomeAssistant, setup_integration: SetupIntegration) -> MockConfigEntry:
    """Assist with every entity of the Smartcar cars exposed to it."""
    return await set_up_assist(hass, setup_integration)


async def ask(hass: HomeAssistant, sentence: str) -> dict[str, Any]:
    """Assist's answer to sentence, as /api/conversation/process returns it."""
    result = await conversation.async_converse(hass, sentence, None, Context(), language="en")
    await hass.async_block_till_done()
    return result.response.as_dict()  # type: ignore[no-any-return]


def speech(answer: dict[str, Any]) -> str:
    """What Assist says."""
    return str(answer["speech"]["plain"]["speech"]).strip()


def targets(answer: dict[str, Any]) -> list[str]:
    """The entities the answer acted on or read."""
    return [target["id"] for target in answer["data"].get("success", [])]


async def test_every_entity_answers_to_its_own_name(
    hass: HomeAssistant, setup_integration: SetupIntegration, provider: str
) -> None:
    """ "What is the <name>" reads that entity, for every sensor, switch and lock of every car."""
    entry = await set_up_assist(hass, setup_integration, provider)
    asked = 0
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        state = hass.states.get(entity.entity_id)
        if entity.domain not in READ_BY_NAME or state is None:
            continue
        answer = await ask(hass, f"what is the {state.name}")
        assert (answer["response_type"], targets(answer)) == ("query_answer", [entity.entity_id])
        asked += 1
    # High Mobility's test fleet is one car that sends data only (no lock, switch or number).
    assert asked >= (15 if provider == "high_mobility" else 20)


@pytest.mark.usefixtures("assist")
@pytest.mark.parametrize(
    ("sentence", "said", "entity_id"),
    [
        (
            "what is the Tesla Model 3 battery level",
            "Tesla model 3 battery level is 62 %",
            "sensor.tesla_model_3_battery_level",
        ),
        # A plug-in hybrid: the battery, not the fuel level.
        (
            "what is the Toyota RAV4 Prime battery level",
            "Toyota rav4 prime battery level is 35 %",
            "sensor.toyota_rav4_prime_battery_level",
        ),
        (
            "what is the Tesla Model 3 range",
            "Tesla model 3 electric range is 330 km",
            "sensor.tesla_model_3_electric_range",
        ),
        (
            "is the Tesla Model 3 charging",
            "Tesla model 3 charging is on",
            "switch.tesla_model_3_charging",
        ),
        (
            "what is the Tesla Model 3 charging state",
            "Tesla model 3 charging state is charging",
            "sensor.tesla_model_3_charging_state",
        ),
        ("is the Tesla Model 3 door lock locked", "Yes", "lock.tesla_model_3_door_lock"),
        ("is the Ford F-150 door lock locked", "No, unlocked", "lock.ford_f_150_door_lock"),
    ],
)
async def test_questions_reach_the_entity_asked_about(
    hass: HomeAssistant, sentence: str, said: str, entity_id: str
) -> None:
    """Battery, range, charging and lock questions are answered by their own entity."""
    answer = await ask(hass, sentence)

    assert answer["response_type"] == "query_answer"
    assert speech(answer) == said
    assert targets(answer) == [entity_id]


@pytest.mark.usefixtures("assist")
@pytest.mark.parametrize(
    ("sentence", "said"),
    [
        # Assist reads names in the order they are written: "<car> <what>", not "<what> of <car>".
        (
            "what is the battery level of the Tesla Model 3",
            "Sorry, I am not aware of any device called battery level of the Tesla Model 3",
        ),
        # "Where is" is for people: Assist does not read device trackers.
        (
            "where is the Volkswagen ID.4",
            "Sorry, I am not aware of any device called Volkswagen ID.4",
        ),
        # The car itself has no entity, so nothing answers to its bare name.
        ("lock the Tesla Model 3", "Sorry, I am not aware of any device called Tesla Model 3"),
    ],
)
async def test_what_assist_cannot_place_gets_no_wrong_answer(
    hass: HomeAssistant, sentence: str, said: str
) -> None:
    """Questions Assist cannot match say so, instead of answering with the lock's state."""
    answer = await ask(hass, sentence)

    assert answer["response_type"] == "error"
    assert answer["data"]["code"] == "no_valid_targets"
    assert speech(answer) == said


@pytest.mark.usefixtures("assist")
async def test_turning_off_a_car_does_not_unlock_it(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """ "Turn off the Toyota RAV4 Prime" reaches nothing, least of all its lock."""
    answer = await ask(hass, "turn off the Toyota RAV4 Prime")

    assert answer["response_type"] == "error"
    assert speech(answer) == "Sorry, I am not aware of any device called Toyota RAV4 Prime"
    assert (await sim.vehicle("Toyota"))["state"]["locked"] is True
    assert state_of(hass, "lock.toyota_rav4_prime_door_lock") == LockState.LOCKED


@pytest.mark.usefixtures("assist")
async def test_lock_and_unlock_by_voice(hass: HomeAssistant, sim: SimulatorControl) -> None:
    """ "Lock the <car> door lock" locks the car; "unlock the <car> door lock" unlocks it."""
    answer = await ask(hass, "lock the Ford F-150 door lock")
    assert (speech(answer), targets(answer)) == ("Locking", ["lock.ford_f_150_door_lock"])
    assert (await sim.vehicle("Ford"))["state"]["locked"] is True
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.LOCKED

    answer = await ask(hass, "unlock the Ford F-150 door lock")
    assert (speech(answer), targets(answer)) == ("Unlocking", ["lock.ford_f_150_door_lock"])
    assert (await sim.vehicle("Ford"))["state"]["locked"] is False
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.UNLOCKED


@pytest.mark.usefixtures("assist")
async def test_a_refusal_reaches_assist_only_as_an_unexpected_error(
    hass: HomeAssistant, sim: SimulatorControl, caplog: pytest.LogCaptureFixture
) -> None:
    """The car refuses (it is driving): Assist says only "An unexpected error occurred".

    Home Assistant's intent handler catches whatever the action it calls raises, logs it and
    answers with its generic error; the translated reason the UI shows reaches only the log.
    """
    ford = await sim.vehicle("Ford")
    await sim.patch(ford["id"], moving=True)

    answer = await ask(hass, "lock the Ford F-150 door lock")

    assert answer["response_type"] == "error"
    assert answer["data"]["code"] == "failed_to_handle"
    assert speech(answer) == "An unexpected error occurred"
    assert "Service call failed for lock.ford_f_150_door_lock" in caplog.text
    assert "The car is driving. It accepts this command only while parked" in caplog.text
    assert (await sim.vehicle("Ford"))["state"]["locked"] is False
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.UNLOCKED


async def test_a_car_known_only_by_its_make_takes_no_question_meant_for_another(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """High Mobility names no model: its BMW is "BMW 7213" (the VIN's last four), not a bare
    "BMW", which Assist would take for the car any "battery level of ..." question means.
    """
    await set_up_assist(hass, setup_integration)
    entry = await setup_integration("high_mobility")
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        async_expose_entity(hass, "conversation", entity.entity_id, True)
    await hass.async_block_till_done()

    answer = await ask(hass, "what is the battery level of the Tesla Model 3")
    assert answer["response_type"] == "error"
    assert targets(answer) == []

    answer = await ask(hass, "what is the BMW 7213 battery level")
    assert targets(answer) == ["sensor.bmw_7213_battery_level"]
