"""When and how stories arrive: /time, /timezone, /mode, /pause, /resume and /settings."""

from __future__ import annotations

from datetime import time

from storage import subscribers
from storage.models import Subscriber
from storage.states import DeliveryMode, SubscriberState
from tests.bot.conftest import ME, World


async def _me(world: World) -> Subscriber:
    async with world.sessions() as session:
        found = await subscribers.get_subscriber(session, ME)
    assert found is not None
    return found


async def test_time_sets_the_digest_time(world: World) -> None:
    await world.say("/start")

    (reply,) = await world.say("/time 6:45")
    (usage,) = await world.say("/time 25:00")

    assert reply.text.startswith("Your digest will arrive at 06:45 (UTC).")
    assert usage.text.startswith("Usage: /time HH:MM")
    assert (await _me(world)).digest_time == time(6, 45)


async def test_timezone_accepts_old_city_names_and_any_case(world: World) -> None:
    await world.say("/start")

    (kiev,) = await world.say("/timezone Kiev")
    kyiv_zone = (await _me(world)).timezone
    (berlin,) = await world.say("/timezone europe/berlin")

    assert kiev.text.startswith("Time zone set to Europe/Kyiv")
    assert kyiv_zone == "Europe/Kyiv"
    assert berlin.text.startswith("Time zone set to Europe/Berlin")
    assert (await _me(world)).timezone == "Europe/Berlin"


async def test_a_misspelt_timezone_gets_suggestions_and_changes_nothing(world: World) -> None:
    await world.say("/start")

    (reply,) = await world.say("/timezone Berln")

    assert reply.text.startswith("I don't know the time zone 'Berln'. Did you mean Europe/Berlin")
    assert (await _me(world)).timezone == "UTC"


async def test_mode_switches_between_digest_instant_and_both(world: World) -> None:
    await world.say("/start")

    (instant,) = await world.say("/mode instant")
    (usage,) = await world.say("/mode sometimes")

    assert instant.text == "Done: you will get instant alerts as stories arrive."
    assert usage.text.startswith("Usage: /mode digest")
    assert (await _me(world)).mode is DeliveryMode.INSTANT


async def test_quiet_sets_shows_and_turns_off_the_hours_without_instant_alerts(
    world: World,
) -> None:
    await world.say("/start")
    await world.say("/mode instant")

    (shown,) = await world.say("/quiet")
    (late,) = await world.say("/quiet 23:30 - 6:15")
    own = await _me(world)
    (off,) = await world.say("/quiet off")
    (usage,) = await world.say("/quiet after lunch")
    (back,) = await world.say("/quiet default")

    assert shown.text.startswith("Quiet hours (no instant alerts): 22:00–07:00 (UTC).")
    assert late.text.startswith("Quiet hours set to 23:30–06:15 (UTC)")
    assert (own.quiet_start, own.quiet_end) == (time(23, 30), time(6, 15))
    assert off.text == "Quiet hours off: instant alerts come at any hour."
    assert usage.text.startswith("Usage: /quiet 23:00-07:00")
    assert back.text.startswith("Quiet hours set to 22:00–07:00 (UTC)")
    assert ((await _me(world)).quiet_start, (await _me(world)).quiet_end) == (None, None)


async def test_quiet_hours_in_digest_mode_say_they_are_for_instant_alerts(world: World) -> None:
    await world.say("/start")

    (reply,) = await world.say("/quiet 21:00-08:00")

    assert reply.text.splitlines()[-1].startswith("They apply to instant alerts;")


async def test_pause_for_days_and_resume(world: World) -> None:
    await world.say("/start")

    (paused,) = await world.say("/pause 3")
    was = await _me(world)
    (resumed,) = await world.say("/resume")
    (usage,) = await world.say("/pause forever")

    assert paused.text.startswith("Paused for 3 days.")
    assert was.state is SubscriberState.PAUSED and was.paused_until is not None
    assert resumed.text.startswith("Resumed: your next digest arrives at 07:30")
    assert (await _me(world)).state is SubscriberState.ACTIVE
    assert usage.text.startswith("Usage: /pause")


async def test_settings_shows_everything_and_its_buttons_edit_in_place(world: World) -> None:
    await world.say("/start ukraine")
    await world.say("/follow drones")
    await world.say("/timezone Europe/Kyiv")

    (settings,) = await world.say("/settings")
    before = settings.text
    await world.tap(settings, "Both")
    after_mode = settings.text
    await world.tap(settings, "Pause 1 day")

    assert before.splitlines() == [
        "⚙️ Your settings",
        "Topics: 🇺🇦 Ukraine",
        "Keywords: drones",
        "Digest: every day at 07:30 (Europe/Kyiv)",
        "Mode: a daily digest",
        "Quiet hours (no instant alerts): 22:00–07:00",
        "Preferred sources: none: each event shows its earliest story (/prefer).",
        "Deliveries: active",
        "Muted: nothing",
    ]
    assert "Mode: a daily digest and instant alerts" in after_mode
    assert "Deliveries: paused until" in settings.text
    assert any("Resume" in label for label, _ in settings.buttons())
    assert world.answers() == ["Saved", "Saved"]


async def test_the_topics_button_in_settings_opens_the_picker(world: World) -> None:
    await world.say("/start")
    (settings,) = await world.say("/settings")

    (picker,) = await world.tap(settings, "Topics")

    assert picker.text.startswith("Choose your topics")
