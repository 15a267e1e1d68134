"""`briefbot run`: the real command long-polls BRIEFBOT_BOT_API_URL and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble


async def test_briefbot_run_polls_the_configured_api_answers_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    async with BotApiDouble() as api:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BRIEFBOT_BOT_API_URL": api.base_url,
            "BRIEFBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        }
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("briefbot")), "run",
            cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await api.wait_for(lambda: bool(api.calls_to("getUpdates")), within=30)
            mark = len(api.calls)
            await api.user_sends(4242, "/start")
            replies = await api.wait_for_reply(4242, mark, quiet=1.5, within=10)
        finally:
            process.send_signal(signal.SIGTERM)
            await api.release_pollers()
            _, stderr = await asyncio.wait_for(process.communicate(), 30)

    assert api.commands, "the command menu was not registered"
    assert [c.method for c in replies if c.ok] == ["sendMessage"], "the welcome, in one message"
    assert process.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode()
