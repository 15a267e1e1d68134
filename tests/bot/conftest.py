"""The real bot, long-polling the Bot API double, on a real SQLite file.

``world`` starts both for one test; ``world.say(...)`` and ``world.tap(...)``
act as a person would and return what the bot sent back.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.app import build_application, start_polling, stop_polling
from bot.runtime.background import DeliveryBackground
from bot.settings import Settings
from storage import db
from tests.botapi import BotApiDouble, Limits
from tests.botapi.double import Sent
from tests.conftest import _migrate

TOKEN = "123456789:TEST-token-for-the-double-0123456789"
ME = 4242  # a person in a private chat: chat id == user id
ADMIN = 9001
LAST_GROUP = 1_000_000
PRIVATE_BURST = 3  # three in any three seconds: a reply in parts goes at once


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per run; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "briefbot.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@dataclass
class World:
    api: BotApiDouble
    sessions: async_sessionmaker[AsyncSession]
    application: Application
    processed: set[int] = field(default_factory=set)
    done: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def mark_processed(self, update: object, _context: object) -> None:
        """Runs after every other handler (and the error handler) has finished an update."""
        if isinstance(update, Update):
            async with self.done:
                self.processed.add(update.update_id)
                self.done.notify_all()

    async def until_processed(self, update: dict[str, Any], within: float = 10.0) -> None:
        async with asyncio.timeout(within), self.done:
            await self.done.wait_for(lambda: update["update_id"] in self.processed)

    async def until_all_processed(
        self, updates: list[dict[str, Any]], within: float = 10.0
    ) -> None:
        """Wait for many updates with one waiter (a waiter each would be woken by every one)."""
        ids = {u["update_id"] for u in updates}
        async with asyncio.timeout(within), self.done:
            await self.done.wait_for(lambda: ids <= self.processed)

    async def say(
        self, text: str, chat: int = ME, *, user_id: int | None = None, thread_id: int | None = None
    ) -> list[Sent]:
        """Send ``text`` as a person (in a forum thread, if given); return the messages the
        bot sent back, once it is done."""
        mark = len(self.api.calls)
        update = await self.api.user_sends(chat, text, user_id=user_id, thread_id=thread_id)
        await self.until_processed(update)
        return self.sent_since(mark)

    async def send_file(
        self,
        content: bytes,
        file_name: str,
        chat: int = ME,
        *,
        caption: str | None = None,
        user_id: int | None = None,
    ) -> list[Sent]:
        """Send a document as a person; return the messages the bot sent back."""
        mark = len(self.api.calls)
        update = await self.api.user_sends_document(
            chat, content, file_name, caption=caption, user_id=user_id
        )
        await self.until_processed(update)
        return self.sent_since(mark)

    async def tap(self, message: Sent, label: str, *, user_id: int | None = None) -> list[Sent]:
        """Tap the button whose text contains ``label``; return any new messages."""
        data = next(d for text, d in message.buttons() if label in text)
        mark = len(self.api.calls)
        update = await self.api.user_taps(
            message.chat_id, message.message_id, data, user_id=user_id
        )
        await self.until_processed(update)
        return self.sent_since(mark)

    def sent_since(self, mark: int) -> list[Sent]:
        return [
            self.api.messages[(c.result["chat"]["id"], c.result["message_id"])]
            for c in self.api.calls[mark:]
            if c.method == "sendMessage" and c.ok
        ]

    def answers(self) -> list[str]:
        """The texts of every answered callback query, in order."""
        return [c.params.get("text", "") for c in self.api.calls_to("answerCallbackQuery")]


@pytest.fixture
def admin_ids() -> frozenset[int]:
    return frozenset({ADMIN})


@pytest.fixture
def limits() -> Limits | None:
    """No flood limits unless a test asks for them."""
    return None


@pytest.fixture
def pacing() -> dict[str, Any]:
    """The bot's pacing settings. Most tests are not about pacing: a reply in parts goes
    at once, as with a burst allowance. Tests about the limits override this."""
    return {"private_burst": PRIVATE_BURST}


@pytest.fixture
def more_settings() -> dict[str, Any]:
    """Other settings a test module needs (BRIEFBOT_WEBAPP_URL...); none by default."""
    return {}


@pytest.fixture
async def world(
    tmp_path: Path,
    template_database: Path,
    admin_ids: frozenset[int],
    limits: Limits | None,
    pacing: dict[str, Any],
    more_settings: dict[str, Any],
) -> AsyncIterator[World]:
    database = tmp_path / "briefbot.db"
    shutil.copy(template_database, database)
    url = f"sqlite+aiosqlite:///{database}"
    async with BotApiDouble(limits=limits) as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=TOKEN,
            database_url=url,
            bot_api_url=api.base_url,
            admin_ids=admin_ids,
            **pacing,
            **more_settings,
        )
        engine = db.create_engine(url)
        sessions = db.create_sessionmaker(engine)
        try:
            async with running(api, settings, sessions) as world:
                yield world
        finally:
            await engine.dispose()


@asynccontextmanager
async def running(
    api: BotApiDouble,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    background: DeliveryBackground | None = None,
) -> AsyncIterator[World]:
    """The real bot long-polling ``api`` until the block ends."""
    application = build_application(settings, sessions, background=background)
    world = World(api, sessions, application)
    application.add_handler(TypeHandler(Update, world.mark_processed), group=LAST_GROUP)
    await start_polling(application, poll_timeout=1)
    try:
        yield world
    finally:
        await api.release_pollers()
        await stop_polling(application)


@asynccontextmanager
async def delivering(
    url: str, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> AsyncIterator[World]:
    """The bot with its delivery running at ``clock``'s time, against a fresh double."""
    async with BotApiDouble() as api:
        settings = bot_settings(api, url)
        background = DeliveryBackground(settings, sessions, clock=clock)
        async with running(api, settings, sessions, background) as world:
            yield world


def bot_settings(api: BotApiDouble, url: str) -> Settings:
    """The settings of a bot on ``url`` talking to ``api``, ignoring any .env file."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=TOKEN,
        database_url=url,
        bot_api_url=api.base_url,
    )
