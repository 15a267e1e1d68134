"""One bot per database, a 409 from Telegram, and a database that goes away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.runtime.exclusive import AnotherRunError
from bot.runtime.serve import CONFLICT, Endpoints, StoppedError, serve
from bot.settings import Settings
from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble
from tests.conftest import BACKENDS
from tests.ops.test_webhook import free_port


@pytest.fixture
async def api() -> AsyncIterator[BotApiDouble]:
    async with BotApiDouble() as api:
        yield api


def settings_for(url: str, api: BotApiDouble, tmp_path: Path) -> Settings:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text("# none\n")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=TOKEN,
        database_url=url,
        bot_api_url=api.base_url,
        feeds_file=feeds,
    )


async def polling(api: BotApiDouble) -> None:
    await api.wait_for(lambda: bool(api.calls_to("getUpdates")), within=30)


async def stop(run: asyncio.Task[None], api: BotApiDouble) -> None:
    run.cancel()
    await api.release_pollers()
    with pytest.raises((asyncio.CancelledError, StoppedError)):
        await run


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_a_second_run_on_one_database_is_refused_in_one_line(
    empty_database_url: str, api: BotApiDouble, tmp_path: Path
) -> None:
    settings = settings_for(empty_database_url, api, tmp_path)
    first = asyncio.create_task(serve(settings, Endpoints()))
    await polling(api)
    try:
        with pytest.raises(AnotherRunError, match=r"^another briefbot run is using "):
            await serve(settings, Endpoints())
        polls = len(api.calls_to("getUpdates"))
        assert first.done() is False
    finally:
        await stop(first, api)
    assert polls >= 1


async def test_a_worker_may_share_the_database_with_the_run(
    api: BotApiDouble, tmp_path: Path
) -> None:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", api, tmp_path)
    first = asyncio.create_task(serve(settings, Endpoints()))
    await polling(api)
    worker = asyncio.create_task(serve(settings, Endpoints(worker=True)))
    try:
        await asyncio.sleep(1.5)
        assert not worker.done(), "the worker started beside the run"
    finally:
        await stop(worker, api)
        await stop(first, api)


async def test_a_409_conflict_stops_the_bot_with_one_line(
    api: BotApiDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", api, tmp_path)
    for _ in range(3):
        api.fail_next(
            "getUpdates",
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
        )

    with caplog.at_level(logging.ERROR), pytest.raises(StoppedError) as stopped:
        async with asyncio.timeout(30):
            await serve(settings, Endpoints())

    assert str(stopped.value) == CONFLICT
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [CONFLICT]


async def test_a_deleted_database_file_turns_health_503_and_stops_the_bot(
    api: BotApiDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "b.db"
    settings = settings_for(f"sqlite+aiosqlite:///{database}", api, tmp_path)
    port = free_port()
    with caplog.at_level(logging.INFO):
        run = asyncio.create_task(serve(settings, Endpoints(health_port=port), watch_every=0.2))
        await polling(api)
        async with httpx.AsyncClient() as client:
            before = await client.get(f"http://127.0.0.1:{port}/healthz")
            database.unlink()
            after = await client.get(f"http://127.0.0.1:{port}/healthz")
        await api.release_pollers()
        with pytest.raises(StoppedError, match="was deleted; stopping"):
            async with asyncio.timeout(30):
                await run

    assert before.status_code == 200
    assert after.status_code == 503 and after.json()["database"] == "gone"
    gone = [r for r in caplog.records if "was deleted" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.ERROR
    assert f"no database at {database}: creating a new, empty one there" in caplog.text
    assert not database.exists(), "nothing made a new file in its place"
