"""`briefbot run` as operators start it: webhook mode, the health port, deploy command lines."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from bot.cli.main import main
from storage import db
from tests.bot.conftest import ME, TOKEN
from tests.botapi import BotApiDouble
from tests.conftest import ROOT, _migrate
from tests.factories import StorySpec, add_brief, add_subscriber
from tests.ops.test_webhook import free_port

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def bot_env(api: BotApiDouble, tmp_path: Path, **more: str) -> dict[str, str]:
    """The environment of a `briefbot run` against the double, on a SQLite file in tmp_path."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "BRIEFBOT_BOT_API_URL": api.base_url,
        "BRIEFBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        **more,
    }


async def test_run_in_webhook_mode_registers_answers_and_serves_health(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "briefbot.log"  # a file, not a pipe: a full pipe would stall the bot
    async with BotApiDouble() as api:
        env = bot_env(api, tmp_path, BRIEFBOT_LOG_LEVEL="DEBUG")
        process = await asyncio.create_subprocess_exec(
            BRIEFBOT, "run", "--webhook-url", f"http://127.0.0.1:{port}/tg",
            "--listen", "127.0.0.1", "--port", str(port),
            cwd=tmp_path, env=env, stderr=log.open("wb"),
        )  # fmt: skip
        try:
            await api.wait_for(lambda: api.webhook is not None, within=30)
            mark = len(api.calls)
            await api.user_sends(ME, "/start")
            replies = await api.wait_for_reply(ME, mark, within=10)
            async with httpx.AsyncClient() as client:
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
                metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
    stderr = log.read_bytes()

    assert api.webhook_answers == [200]
    assert any(c.ok and c.method == "sendMessage" for c in replies)
    assert not api.calls_to("getUpdates"), "webhook mode must not poll"
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert "briefbot_subscribers" in metrics.text
    assert process.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode(), "the token leaked into the log"


async def test_the_health_port_is_off_in_polling_mode_unless_asked_for(tmp_path: Path) -> None:
    port = free_port()
    async with BotApiDouble() as api:
        env = bot_env(api, tmp_path)
        process = await asyncio.create_subprocess_exec(
            BRIEFBOT, "run", "--health-port", str(port),
            cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await api.wait_for(lambda: bool(api.calls_to("getUpdates")), within=30)
            async with httpx.AsyncClient() as client:
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
        finally:
            process.send_signal(signal.SIGTERM)
            await api.release_pollers()
            _, stderr = await asyncio.wait_for(process.communicate(), 30)

    assert health.status_code == 200
    assert process.returncode == 0, stderr.decode()


def test_a_webhook_url_telegram_cannot_post_to_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)

    result = CliRunner().invoke(main, ["run", "--webhook-url", "http://example.org/tg"])

    assert result.exit_code == 1
    assert "only posts to https://" in result.output


def command_lines() -> list[tuple[str, list[str]]]:
    """Every briefbot command line the deploy files run."""
    deploy = ROOT / "deploy"
    found: list[tuple[str, list[str]]] = []
    unit = (deploy / "briefbot.service").read_text()
    for line in re.findall(r"^Exec\w+=\S*briefbot (.+)$", unit, flags=re.MULTILINE):
        found.append(("briefbot.service", shlex.split(line)))
    dockerfile = (deploy / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.+\])$", dockerfile, flags=re.MULTILINE)
    assert cmd, "the Dockerfile has no CMD"
    found.append(("Dockerfile", json.loads(cmd.group(1))))
    compose = (deploy / "docker-compose.yml").read_text()
    for line in re.findall(r"command: (\[.+\])", compose):
        found.append(("docker-compose.yml", json.loads(line)))
    return found


@pytest.mark.parametrize(("where", "argv"), command_lines())
def test_deploy_files_run_real_commands_and_flags(where: str, argv: list[str]) -> None:
    command: click.Command = main
    words = list(argv)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        name = words.pop(0)
        assert name in command.commands, f"{where}: no command {name!r}"
        command = command.commands[name]
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for word in words:
        if word.startswith("--"):
            assert word in options, f"{where}: `{' '.join(argv)}` has no option {word}"


async def test_a_worker_delivers_due_digests_and_takes_no_updates(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    await _migrate(url)
    engine = db.create_engine(url)
    now = datetime.now(UTC)
    async with db.create_sessionmaker(engine).begin() as session:
        due = (now - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
        await add_subscriber(session, 601, created_at=LONG_AGO, topics=["gaza"], at=due)
        await add_brief(
            session, now - timedelta(hours=1), [StorySpec("Gaza truce holds", ["gaza"])]
        )
    await engine.dispose()
    (tmp_path / "feeds.toml").write_text("# no feeds\n")
    log = tmp_path / "briefbot.log"
    async with BotApiDouble() as api:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BRIEFBOT_BOT_API_URL": api.base_url,
            "BRIEFBOT_DATABASE_URL": url,
            "BRIEFBOT_FEEDS_FILE": str(tmp_path / "feeds.toml"),
        }
        process = await asyncio.create_subprocess_exec(
            BRIEFBOT, "run", "--worker", cwd=tmp_path, env=env, stderr=log.open("wb")
        )
        try:
            await api.wait_for(lambda: bool(api.sent_to(601)), within=30)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)

    assert "Gaza truce holds" in api.sent_to(601)[0].text
    assert not api.calls_to("getUpdates") and not api.calls_to("setWebhook")
    assert process.returncode == 0, log.read_text()
