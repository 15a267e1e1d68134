"""Preferred sources: a reader who prefers Al Jazeera sees an event as Al Jazeera's story."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import func, select

from storage import preferred
from storage.states import DeliveryMode
from storage.subscribers import get_subscriber
from tests.bot.conftest import World, bot_settings, delivering, running
from tests.bot.test_delivery import _database
from tests.bot.test_events import KYIV_MORNING, REPORTS, ingest_reports
from tests.botapi import BotApiDouble
from tests.factories import add_subscriber


async def _prefer(sessions, chat_id: int, names: list[str]) -> None:
    async with sessions.begin() as session:
        ids = {name: i for i, name in (await preferred.known_sources(session)).items()}
        subscriber = await get_subscriber(session, chat_id)
        assert subscriber is not None
        await preferred.set_preferred_sources(session, subscriber.id, [ids[n] for n in names])


async def test_a_preferred_source_shows_the_event_with_the_earliest_source_under_also(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    async with sessions.begin() as session:
        for chat_id in (4747, 4848):
            await add_subscriber(
                session, chat_id, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"],
                timezone="Europe/Kyiv", at=time(7, 30),
            )  # fmt: skip
    await ingest_reports(sessions, KYIV_MORNING)
    await _prefer(sessions, 4747, ["Al Jazeera", "NYT"])
    async with delivering(url, sessions, lambda: KYIV_MORNING) as world:
        try:
            await world.api.wait_for(
                lambda: bool(world.api.sent_to(4747) and world.api.sent_to(4848)), within=10
            )
            [preferring] = world.api.sent_to(4747)
            [plain] = world.api.sent_to(4848)
            why = await world.say("/why 1", 4747)
            other = await world.say("/story 3", 4747)
        finally:
            await engine.dispose()

    assert REPORTS[2][1] in preferring.text and "also: BBC, NYT" in preferring.text
    assert REPORTS[0][1] not in preferring.text and "/story_1" in preferring.text
    assert "· 1 story" in preferring.text
    # No preference: the earliest story, as before, whatever the other reader prefers.
    assert REPORTS[0][1] in plain.text and "also: NYT, Al Jazeera" in plain.text
    assert "comes first of your preferred sources" in why[-1].text
    assert REPORTS[0][1] in other[-1].text and "🔗 Al Jazeera" in dict(other[-1].buttons())


async def test_digest_on_demand_shows_the_preferred_sources_story(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 4949, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"]
        )
    await ingest_reports(sessions, datetime.now(UTC))
    async with BotApiDouble() as api, running(api, bot_settings(api, url), sessions) as world:
        try:
            chosen = await world.say("/prefer nyt", 4949)
            asked = await world.say("/digest", 4949)
        finally:
            await engine.dispose()

    assert "NYT" in chosen[-1].text
    assert REPORTS[1][1] in asked[-1].text and "also: BBC, Al Jazeera" in asked[-1].text
    assert REPORTS[0][1] not in asked[-1].text


DEFAULTS = (
    "Foreign Policy: World Brief, The Guardian: World news, BBC News: World, "
    "The New York Times: World, Al Jazeera: All news"
)


async def test_prefer_refuses_an_unknown_source_naming_the_close_ones_and_changes_nothing(
    world: World,
) -> None:
    await world.say("/prefer Al Jazeera", 5050)

    refused = await world.say("/prefer BBC, Al Jazeeraa, Reuters", 5050)
    shown = await world.say("/prefer", 5050)
    unknown = await world.say("/prefer Reuters", 5050)

    assert refused[-1].text == (
        "I don't know the source “Al Jazeeraa”. Did you mean Al Jazeera: All news?"
    )
    assert "Preferred sources: 1. Al Jazeera: All news" in shown[-1].text
    assert "/prefer off" in shown[-1].text and f"My sources: {DEFAULTS}." in shown[-1].text
    assert unknown[-1].text == f"I don't know the source “Reuters”. My sources: {DEFAULTS}."


async def test_prefer_keeps_the_order_given_and_off_clears_it(world: World) -> None:
    done = await world.say("/prefer NYT, bbc, NYT", 5151)
    shown = await world.say("/prefer", 5151)
    settings = await world.say("/settings", 5151)
    cleared = await world.say("/prefer off", 5151)
    after = await world.say("/prefer", 5151)

    chosen = "1. The New York Times: World, 2. BBC News: World"
    assert "The New York Times: World, BBC News: World." in done[-1].text
    assert f"Preferred sources: {chosen}" in shown[-1].text
    assert f"Preferred sources: {chosen}" in settings[-1].text
    assert cleared[-1].text == "Done: each event is shown from its earliest source again."
    assert "Preferred sources: none" in after[-1].text


async def test_export_carries_the_preferred_sources_and_import_restores_them_in_order(
    world: World,
) -> None:
    await world.say("/prefer NYT, Guardian", 5252)
    await world.say("/export", 5252)
    exported = world.api.sent_to(5252)[-1].document
    assert exported is not None
    document = json.loads(exported)
    await world.say("/prefer off", 5353)

    restored = await world.send_file(exported, "briefbot-settings.json", 5353)
    shown = await world.say("/prefer", 5353)

    assert document["preferred_sources"] == [
        "The New York Times: World",
        "The Guardian: World news",
    ]
    assert "Settings restored" in restored[-1].text
    assert "1. The New York Times: World, 2. The Guardian: World news" in shown[-1].text


async def test_a_settings_file_naming_a_source_this_bot_lacks_skips_it_with_a_note(
    world: World,
) -> None:
    document = {"format": "briefbot-settings", "version": 1,
                "preferred_sources": ["Reuters: World", "BBC News: World"]}  # fmt: skip

    restored = await world.send_file(json.dumps(document).encode(), "settings.json", 5454)
    shown = await world.say("/prefer", 5454)

    assert "Skipped sources I don't have: Reuters: World." in restored[-1].text
    assert "Preferred sources: 1. BBC News: World" in shown[-1].text


async def test_forget_deletes_the_preferred_sources(world: World) -> None:
    await world.say("/prefer BBC", 5555)
    async with world.sessions.begin() as session:
        subscriber = await get_subscriber(session, 5555)
        assert subscriber is not None
        kept = await preferred.preferred_sources(session, subscriber.id)

    (asked,) = await world.say("/forget", 5555)
    await world.tap(asked, "Yes, delete everything", user_id=5555)
    async with world.sessions.begin() as session:
        rows = await session.scalar(select(func.count()).select_from(preferred.PreferredSource))

    assert len(kept) == 1 and rows == 0


async def test_an_instant_alert_shows_the_event_as_the_preferred_sources_story(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    noon = KYIV_MORNING.replace(hour=12)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 5656, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"],
            mode=DeliveryMode.INSTANT,
        )  # fmt: skip
    await ingest_reports(sessions, noon)
    await _prefer(sessions, 5656, ["NYT"])
    async with delivering(url, sessions, lambda: noon) as world:
        try:
            await world.api.wait_for(lambda: bool(world.api.sent_to(5656)), within=10)
            [alert] = world.api.sent_to(5656)
        finally:
            await engine.dispose()

    assert "New on your topics" in alert.text
    assert REPORTS[1][1] in alert.text and "also: BBC, Al Jazeera" in alert.text


async def test_in_a_group_only_admins_set_the_preferred_sources_and_everyone_reads_them(
    world: World,
) -> None:
    group, owner, member = -100200300, 501, 502
    world.api.set_admins(group, {owner})
    await world.say("/start", group, user_id=owner)

    (refused,) = await world.say("/prefer BBC", group, user_id=member)
    await world.say("/prefer Guardian", group, user_id=owner)
    (shown,) = await world.say("/prefer", group, user_id=member)

    assert refused.text == "Only this group's admins can change my settings here."
    assert "Preferred sources: 1. The Guardian: World news" in shown.text
