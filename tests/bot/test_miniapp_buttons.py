"""Where the Mini App opens from: a ⚙️ Settings button in /start and /settings and the menu
button, all only when BRIEFBOT_WEBAPP_URL is set, and only in private chats."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application, start_polling, stop_polling
from bot.errors import SettingsError
from bot.settings import Settings, load_settings
from storage import db
from tests.bot.conftest import ADMIN, ME, TOKEN, World
from tests.bot.miniapp import WEBAPP_URL, WITH_WEBAPP
from tests.botapi import BotApiDouble
from tests.botapi.double import Sent

GROUP = -100200300


def web_apps(message: Sent) -> list[tuple[str, str]]:
    """The (label, URL) of every Mini App button under a message."""
    rows = (message.markup or {}).get("inline_keyboard", [])
    return [(b["text"], b["web_app"]["url"]) for row in rows for b in row if "web_app" in b]


class TestWithTheMiniAppConfigured:
    @pytest.fixture
    def more_settings(self) -> dict[str, Any]:
        return WITH_WEBAPP

    async def test_start_and_settings_offer_the_settings_mini_app(self, world: World) -> None:
        (welcome,) = await world.say("/start")
        (settings,) = await world.say("/settings")

        assert web_apps(welcome) == [("⚙️ Settings", WEBAPP_URL)]
        assert web_apps(settings) == [("⚙️ Settings", WEBAPP_URL)]

    async def test_the_welcomes_settings_button_stays_while_topics_are_picked(
        self, world: World
    ) -> None:
        (welcome,) = await world.say("/start")

        await world.tap(welcome, "Gaza")
        picked = world.api.messages[(ME, welcome.message_id)]
        await world.tap(picked, "Done")
        closed = world.api.messages[(ME, welcome.message_id)]

        assert web_apps(picked) == [("⚙️ Settings", WEBAPP_URL)]
        assert web_apps(closed) == [("⚙️ Settings", WEBAPP_URL)]

    async def test_the_menu_button_opens_the_mini_app(self, world: World) -> None:
        (call,) = world.api.calls_to("setChatMenuButton")

        assert call.params["menu_button"] == {
            "type": "web_app",
            "text": "⚙️ Settings",
            "web_app": {"url": WEBAPP_URL},
        }
        assert world.api.menu_buttons[None]["type"] == "web_app"

    async def test_the_button_speaks_the_readers_language(self, world: World) -> None:
        await world.say("/language uk")

        (settings,) = await world.say("/settings")

        assert web_apps(settings) == [("⚙️ Налаштування", WEBAPP_URL)]

    async def test_a_group_gets_no_mini_app_button_which_telegram_would_refuse(
        self, world: World
    ) -> None:
        world.api.set_admins(GROUP, {ADMIN})

        (welcome,) = await world.say("/start", GROUP, user_id=ADMIN)
        (settings,) = await world.say("/settings", GROUP, user_id=ADMIN)

        assert web_apps(welcome) == [] and web_apps(settings) == []


async def test_without_a_mini_app_url_nothing_changes_for_people(world: World) -> None:
    (welcome,) = await world.say("/start", ME)
    (settings,) = await world.say("/settings", ME)

    assert web_apps(welcome) == []
    assert web_apps(settings) == []
    assert world.api.calls_to("setChatMenuButton") == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://bot.example.org/webapp/", "Telegram opens Mini Apps only over HTTPS"),
        ("https://bot.example.org/webapp", "end 'https://bot.example.org/webapp' with a slash"),
        ("https://bot.example.org", "with a slash"),
    ],
)
def test_a_mini_app_url_must_be_https_and_a_folder(
    monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.setenv("BRIEFBOT_WEBAPP_URL", url)

    with pytest.raises(SettingsError) as error:
        load_settings(None)

    assert str(error.value).startswith("BRIEFBOT_WEBAPP_URL: ")
    assert reason in str(error.value)


def test_a_mini_app_url_at_the_sites_root_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_WEBAPP_URL", " https://settings.example.org/ ")

    assert load_settings(None).webapp_url == "https://settings.example.org/"


def test_the_readme_shows_the_mini_app_screenshots_kept_in_docs() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()

    for name in ("miniapp-light.png", "miniapp-dark.png"):
        assert f'src="docs/{name}"' in readme
        assert (root / "docs" / name).read_bytes().startswith(b"\x89PNG")


async def test_a_menu_button_telegram_refuses_is_logged_and_the_bot_runs_on(
    tmp_path: Path, template_database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "briefbot.db"
    shutil.copy(template_database, database)
    url = f"sqlite+aiosqlite:///{database}"
    async with BotApiDouble() as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=TOKEN, database_url=url, bot_api_url=api.base_url, **WITH_WEBAPP,
        )  # fmt: skip
        engine = db.create_engine(url)
        application = build_application(settings, db.create_sessionmaker(engine))
        api.fail_next("setChatMenuButton", 400, "Bad Request: BUTTON_URL_INVALID")
        try:
            await start_polling(application, poll_timeout=1)
            running = application.running
        finally:
            await api.release_pollers()
            await stop_polling(application)
            await engine.dispose()

    assert running
    assert "Telegram refused the Mini App's menu button" in caplog.text
    assert "check BRIEFBOT_WEBAPP_URL" in caplog.text
