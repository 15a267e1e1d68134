"""Settings: defaults, .env files, and one clear line for every mistake."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import Settings, env_name, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "BRIEFBOT_DATABASE_URL",
        "BRIEFBOT_ADMIN_IDS",
        "BRIEFBOT_BOT_API_URL",
        "BRIEFBOT_POLL_MINUTES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_nothing_installed() -> None:
    settings = load_settings(None)

    assert settings.database_url == "sqlite+aiosqlite:///briefbot.db"
    assert settings.token is None
    assert settings.admin_ids == frozenset()
    assert settings.topics_file.name == "topics.toml"


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ\nBRIEFBOT_ADMIN_IDS=12, 34\n"
    )

    settings = load_settings(tmp_path / ".env")

    assert settings.token == "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert settings.admin_ids == {12, 34}


def test_the_token_does_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRETSECRETSECRETSECRET")

    settings = load_settings(None)

    assert "SECRETSECRET" not in repr(settings)
    assert "SECRETSECRET" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://bot@db/briefbot", "postgresql+asyncpg://bot@db/briefbot"),
        ("sqlite:///data/b.db", "sqlite+aiosqlite:///data/b.db"),
    ],
)
def test_plain_database_urls_get_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", given)

    assert load_settings(None).database_url == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("23:30-06:15", (time(23, 30), time(6, 15))),
        ("1:00 - 5:00", (time(1, 0), time(5, 0))),
        ("off", None),
        ("07:00-07:00", None),
    ],
)
def test_quiet_hours_are_read_as_a_range_or_off(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: tuple[time, time] | None
) -> None:
    monkeypatch.setenv("BRIEFBOT_QUIET_HOURS", given)

    assert load_settings(None).quiet_hours == expected


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("BRIEFBOT_DATABASE_URL", "not a url", "cannot parse 'not a url' as a database URL"),
        ("BRIEFBOT_DATABASE_URL", "mysql://u@h/db", "unsupported database 'mysql'"),
        ("BRIEFBOT_ADMIN_IDS", "12,abc", "'abc' is not a Telegram user id"),
        ("BRIEFBOT_POLL_MINUTES", "0", "greater than or equal to 1"),
        ("BRIEFBOT_BOT_API_URL", "ftp://x", "is not an http(s) URL"),
        ("BRIEFBOT_TOPICS_FILE", "/nowhere/topics.toml", "no such file: /nowhere/topics.toml"),
        ("BRIEFBOT_QUIET_HOURS", "10pm to 7am", "is not a range like 22:00-07:00 (or off)"),
        ("BRIEFBOT_QUIET_HOURS", "22:00-25:00", "has a time that does not exist"),
        ("BRIEFBOT_NOTIFY_EMPTY", "sometimes", "valid boolean"),
    ],
)
def test_a_wrong_setting_names_the_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError) as raised:
        load_settings(None)

    message = str(raised.value)
    assert message.startswith(f"{variable}: ")
    assert says in message
    assert "\n" not in message


@pytest.mark.parametrize("field", list(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme_and_the_env_example(field: str) -> None:
    root = Path(__file__).resolve().parent.parent
    name = env_name(field)

    assert name in (root / "README.md").read_text(encoding="utf-8")
    assert name in (root / "deploy" / ".env.example").read_text(encoding="utf-8")
