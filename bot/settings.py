"""Settings, read once at start from the environment and from ``.env``.

Nothing happens on import. ``load_settings`` validates every value and turns
any mistake into ``SettingsError`` whose message names the variable to fix.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.clock import read_time_range
from bot.errors import NotATimeError, SettingsError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
ENV_PREFIX = "BRIEFBOT_"

# Synchronous driver names people write, and the async driver briefbot uses instead.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}
SUPPORTED_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    database_url: str = "sqlite+aiosqlite:///briefbot.db"
    bot_api_url: str = TELEGRAM_API_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    topics_file: Path = SEEDS / "topics.toml"
    feeds_file: Path = SEEDS / "feeds.toml"
    poll_minutes: int = Field(default=10, ge=1, le=24 * 60)
    digest_lookback_hours: int = Field(default=48, ge=1, le=24 * 30)
    digest_max_stories: int = Field(default=10, ge=1, le=50)
    digest_grace_hours: int = Field(default=12, ge=0, le=24)
    notify_empty: bool = False
    quiet_hours: Annotated[tuple[time, time] | None, NoDecode] = (time(22, 0), time(7, 0))
    feed_alert_hours: int = Field(default=6, ge=1, le=24 * 30)
    # Stories this many hours apart or closer may be one event.
    event_hours: float = Field(default=36, ge=1, le=24 * 14)
    allow_private_feeds: bool = False
    max_messages_per_second: float = Field(default=30, gt=0, le=1000)
    private_burst: int = Field(default=1, ge=1, le=30)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    health_host: str = "127.0.0.1"
    health_port: int | None = Field(default=None, ge=0, le=65535)
    webapp_url: str | None = None
    imap_password: SecretStr | None = None
    imap_password_file: Path | None = None
    imap_insecure: bool = False
    imap_move_to: str | None = None
    imap_timeout_seconds: float = Field(default=60, gt=0, le=600)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value.strip())
        except ArgumentError:
            raise ValueError(
                f"cannot parse {value!r} as a database URL; examples: "
                "sqlite+aiosqlite:///briefbot.db, postgresql+asyncpg://user@host/briefbot"
            ) from None
        driver = ASYNC_DRIVERS.get(url.drivername, url.drivername)
        if driver not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"unsupported database {url.drivername!r}; use sqlite+aiosqlite:///FILE "
                "or postgresql+asyncpg://USER@HOST/DB"
            )
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids = set()
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            if not part.lstrip("-").isdigit():
                raise ValueError(
                    f"{part!r} is not a Telegram user id; give numbers separated by commas"
                )
            ids.add(int(part))
        return frozenset(ids)

    @field_validator("bot_api_url")
    @classmethod
    def _bot_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            return None
        if not text.startswith("https://") or len(text) <= len("https://"):
            raise ValueError(
                f"{value!r} is not an https:// URL; Telegram opens Mini Apps only over HTTPS"
            )
        if not urlsplit(text).path.endswith("/"):
            raise ValueError(
                f"end {value!r} with a slash, like https://bot.example.org/webapp/: "
                "the page finds its API beside it"
            )
        return text

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("topics_file", "feeds_file")
    @classmethod
    def _file_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("imap_password_file")
    @classmethod
    def _password_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip().lower()
        if text in {"", "off", "none"}:
            return None
        try:
            start, end = read_time_range(text)
        except NotATimeError:
            raise ValueError(f"{value!r} is not a range like 22:00-07:00 (or off)") from None
        except ValueError:
            raise ValueError(f"{value!r} has a time that does not exist") from None
        return None if start == end else (start, end)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None


def env_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    if field == "telegram_bot_token":
        return "TELEGRAM_BOT_TOKEN"
    return ENV_PREFIX + field.upper()


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read and validate the settings, or raise SettingsError naming the variable."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{env_name(field)}: {message}")
        raise SettingsError("; ".join(problems)) from None
