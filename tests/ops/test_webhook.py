"""Webhook mode: Telegram (the double) posts updates to us; only with the secret token."""

from __future__ import annotations

import json
import logging
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import Application

from bot.app import build_application, start_polling, stop_polling
from bot.runtime.webhook import start_webhook
from bot.settings import Settings
from storage import db
from tests.bot.conftest import ME, TOKEN, template_database  # noqa: F401  (a fixture)
from tests.botapi import BotApiDouble

SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Hooked:
    api: BotApiDouble
    application: Application
    url: str
    base: str


@pytest.fixture
async def hooked(tmp_path: Path, template_database: Path) -> AsyncIterator[Hooked]:  # noqa: F811
    database = tmp_path / "briefbot.db"
    shutil.copy(template_database, database)
    url = f"sqlite+aiosqlite:///{database}"
    port = free_port()
    async with BotApiDouble() as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=TOKEN,
            database_url=url,
            bot_api_url=api.base_url,
        )
        engine = db.create_engine(url)
        sessions = db.create_sessionmaker(engine)
        application = build_application(settings, sessions)
        hook_url = f"http://127.0.0.1:{port}/tg"
        runner = await start_webhook(
            application,
            sessions,
            lambda: True,
            url=hook_url,
            listen="127.0.0.1",
            port=port,
            secret=SECRET,
        )
        try:
            yield Hooked(api, application, hook_url, f"http://127.0.0.1:{port}")
        finally:
            await runner.cleanup()
            await stop_polling(application)
            await engine.dispose()


async def test_the_webhook_is_registered_with_a_secret_and_updates_are_answered(
    hooked: Hooked,
) -> None:
    api = hooked.api
    assert api.webhook == {"url": hooked.url, "secret_token": SECRET}

    await api.user_sends(ME, "/start")
    await api.wait_for(lambda: bool(api.sent_to(ME)))

    assert api.webhook_answers == [200]
    assert "Welcome to briefbot" in api.sent_to(ME)[0].text


async def test_a_request_without_the_secret_is_refused_and_not_processed(
    hooked: Hooked, caplog: pytest.LogCaptureFixture
) -> None:
    api = hooked.api
    update = {
        "update_id": 99,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": ME, "type": "private"},
            "from": {"id": ME, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }

    with caplog.at_level(logging.WARNING, logger="bot.runtime.webhook"):
        missing = await api.post_to_webhook(update, secret=None)
        wrong = await api.post_to_webhook(update, secret="guess")

    assert (missing, wrong) == (403, 403)
    assert "with no secret token" in caplog.text and "with a wrong secret token" in caplog.text
    await api.user_sends(ME, "/help")  # a real update after the forged ones
    await api.wait_for(lambda: bool(api.sent_to(ME)))
    replies = api.sent_to(ME)
    assert len(replies) == 1, "only the real /help is answered, the forged /start is not"
    assert "Welcome" not in replies[0].text


async def test_health_is_served_on_the_webhook_port(hooked: Hooked) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{hooked.base}/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_starting_in_polling_mode_deletes_a_webhook_left_from_before(
    tmp_path: Path,
    template_database: Path,  # noqa: F811
) -> None:
    database = tmp_path / "briefbot.db"
    shutil.copy(template_database, database)
    url = f"sqlite+aiosqlite:///{database}"
    async with BotApiDouble() as api:
        api.webhook = {"url": "https://old.example.org/tg", "secret_token": SECRET}
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=TOKEN,
            database_url=url,
            bot_api_url=api.base_url,
        )
        engine = db.create_engine(url)
        application = build_application(settings, db.create_sessionmaker(engine))
        await start_polling(application, poll_timeout=1)
        try:
            assert api.webhook is None
            assert api.calls_to("deleteWebhook")
            await api.user_sends(ME, "/help")
            await api.wait_for(lambda: bool(api.sent_to(ME)))
        finally:
            await api.release_pollers()
            await stop_polling(application)
            await engine.dispose()


NOT_UPDATES = [
    b"[1,2]",
    b'"x"',
    b"null",
    b"42",
    b"{not json",
    b"\xff\xfe\x00",
    b'{"update_id": 5, "message": "x"}',
    b'{"update_id": true}',
    b'{"update_id": "5"}',
    b'{"update_id": 6, "message": {"message_id": 1, "date": 0, "text": "/start"}}',
    b'{"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": 5}}',
    b"[" * 100_000 + b"]" * 100_000,
]


async def post_raw(hooked: Hooked, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            hooked.url,
            content=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )


async def test_a_body_that_is_not_an_update_gets_400_and_is_not_processed(
    hooked: Hooked, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        statuses = [(await post_raw(hooked, body)).status_code for body in NOT_UPDATES]

    assert statuses == [400] * len(NOT_UPDATES)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await hooked.api.user_sends(ME, "/help")
    await hooked.api.wait_for(lambda: bool(hooked.api.sent_to(ME)))
    assert len(hooked.api.sent_to(ME)) == 1


async def test_the_same_update_posted_twice_is_answered_once(hooked: Hooked) -> None:
    api = hooked.api
    first = await api.user_sends(ME, "/help")
    await api.wait_for(lambda: len(api.sent_to(ME)) == 1)

    again = await api.post_to_webhook(first, secret=SECRET)
    await api.user_sends(ME, "/start")
    await api.wait_for(lambda: len(api.sent_to(ME)) >= 2)

    assert again == 200  # Telegram must not send it a third time
    assert [m.text.startswith("👋") for m in api.sent_to(ME)] == [False, True]


body_text = st.text(st.characters(codec=None), max_size=20)
body_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), body_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(body_text, inner, max_size=3),
    max_leaves=12,
)
update_like = st.fixed_dictionaries(
    {"update_id": st.integers(1, 2**40)},
    optional={
        "message": body_values,
        "callback_query": body_values,
        "edited_message": body_values,
        "my_chat_member": body_values,
    },
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(update_like.map(json.dumps), body_values.map(json.dumps), st.binary(max_size=80))
)
async def test_any_body_gets_200_or_400_and_never_a_server_error(
    hooked: Hooked, body: str | bytes
) -> None:
    response = await post_raw(hooked, body.encode() if isinstance(body, str) else body)

    assert response.status_code in {200, 400}, response.text
