"""Delivery end to end: the running bot sends each subscriber's digest at their local time."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import build_application, start_polling, stop_polling
from bot.runtime.background import DeliveryBackground
from bot.settings import Settings
from storage import db
from storage.states import DeliveryMode
from tests.bot.conftest import TOKEN, delivering
from tests.botapi import BotApiDouble
from tests.factories import StorySpec, add_brief, add_subscriber, outbox_of

KYIV_MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=ZoneInfo("Europe/Kyiv")).astimezone(UTC)


def _database(
    tmp_path: Path, template: Path
) -> tuple[str, AsyncEngine, async_sessionmaker[AsyncSession]]:
    """A migrated SQLite file of this test's own, its URL, engine and sessions."""
    database = tmp_path / "briefbot.db"
    shutil.copy(template, database)
    url = f"sqlite+aiosqlite:///{database}"
    engine = db.create_engine(url)
    return url, engine, db.create_sessionmaker(engine)


async def test_a_gaza_follower_gets_only_the_gaza_story_at_0730_kyiv_time_and_can_open_it(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 4242, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"],
            timezone="Europe/Kyiv", at=time(7, 30),
        )  # fmt: skip
        await add_brief(
            session,
            KYIV_MORNING - timedelta(hours=3),
            [StorySpec("Hostages freed in Gaza", ["gaza"]), StorySpec("Tariff war", ["trade"])],
        )
    async with delivering(url, sessions, lambda: KYIV_MORNING) as world:
        try:
            await world.api.wait_for(lambda: bool(world.api.sent_to(4242)), within=10)
            [digest] = world.api.sent_to(4242)
            opened = await world.tap(digest, "📖 1")
        finally:
            await engine.dispose()

    assert "Hostages freed in Gaza" in digest.text and "Tariff war" not in digest.text
    assert any("Hostages freed in Gaza" in m.text for m in opened)


async def test_the_nothing_new_message_and_the_quiet_hours_follow_the_settings(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 5151, created_at=long_ago, topics=["gaza"], timezone="Europe/Kyiv"
        )
        # 07:30 in Kyiv is inside 07:00-09:00; 05:30 in London is not.
        for chat, zone in ((5252, "Europe/Kyiv"), (5353, "Europe/London")):
            await add_subscriber(
                session, chat, created_at=long_ago, topics=["trade"], timezone=zone,
                mode=DeliveryMode.INSTANT,
            )  # fmt: skip
        await add_brief(
            session, KYIV_MORNING - timedelta(hours=1), [StorySpec("Tariff war", ["trade"])]
        )
    async with BotApiDouble() as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=TOKEN,
            database_url=url,
            bot_api_url=api.base_url,
            notify_empty="true",
            quiet_hours="07:00-09:00",
        )
        background = DeliveryBackground(settings, sessions, clock=lambda: KYIV_MORNING)
        application = build_application(settings, sessions, background=background)
        await start_polling(application, poll_timeout=1)
        try:
            await api.wait_for(lambda: bool(api.sent_to(5151) and api.sent_to(5353)), within=10)
            async with sessions() as session:
                held = await outbox_of(session, 5252)
        finally:
            await api.release_pollers()
            await stop_polling(application)
            await engine.dispose()

    assert "Nothing new on your topics today" in api.sent_to(5151)[0].text
    assert "Tariff war" in api.sent_to(5353)[0].text
    assert held == [] and api.sent_to(5252) == []
