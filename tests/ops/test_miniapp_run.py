"""`briefbot run` with BRIEFBOT_WEBAPP_URL: the Mini App on the bot's own HTTP server, the
webhook's port in webhook mode, in polling mode the health port (the webhook's port number
when none is given), and the menu button set at start."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import httpx
import pytest

from tests.bot.miniapp import WEBAPP_URL, signed_init_data
from tests.botapi import BotApiDouble
from tests.ops.test_run_modes import BRIEFBOT, bot_env
from tests.ops.test_webhook import free_port

ME = 4242


async def _first_answer(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET ``url`` once its server listens (it starts right after the menu button is set)."""
    for _ in range(50):
        try:
            return await client.get(url)
        except httpx.ConnectError:
            await asyncio.sleep(0.1)
    return await client.get(url)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_run_serves_the_mini_app_and_sets_the_menu_button(tmp_path: Path, mode: str) -> None:
    port = free_port()
    async with BotApiDouble() as api:
        # Polling: no health port is given, so the Mini App is served on this one.
        env = bot_env(
            api, tmp_path, BRIEFBOT_WEBAPP_URL=WEBAPP_URL, BRIEFBOT_WEBHOOK_PORT=str(port)
        )
        webhook = ["--webhook-url", f"http://127.0.0.1:{port}/tg"] if mode == "webhook" else []
        process = await asyncio.create_subprocess_exec(
            BRIEFBOT, "run", *webhook, cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await api.wait_for(lambda: bool(api.calls_to("setChatMenuButton")), within=30)
            base = f"http://127.0.0.1:{port}/webapp/"
            async with httpx.AsyncClient() as client:
                page = await _first_answer(client, base)
                auth = {"Authorization": f"tma {signed_init_data(ME)}"}
                settings = await client.get(base + "api/settings", headers=auth)
                refused = await client.get(base + "api/settings")
        finally:
            process.send_signal(signal.SIGTERM)
            await api.release_pollers()
            _, stderr = await asyncio.wait_for(process.communicate(), 30)

    assert api.menu_buttons[None]["web_app"] == {"url": WEBAPP_URL}
    assert page.status_code == 200 and "Open this from Telegram" in page.text
    assert settings.status_code == 200 and settings.json()["chats"][0]["chat_id"] == ME
    assert refused.status_code == 401
    assert process.returncode == 0, stderr.decode()


async def test_a_worker_beside_the_bot_leaves_the_mini_apps_port_to_it(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:  # the bot's own server, listening there already
        taken.bind(("127.0.0.1", port))
        taken.listen()
        async with BotApiDouble() as api:
            env = bot_env(
                api, tmp_path, BRIEFBOT_WEBAPP_URL=WEBAPP_URL, BRIEFBOT_WEBHOOK_PORT=str(port)
            )
            process = await asyncio.create_subprocess_exec(
                BRIEFBOT, "run", "--worker", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
            )
            try:
                await api.wait_for(lambda: bool(api.calls_to("setChatMenuButton")), within=30)
                await asyncio.sleep(1)
                running = process.returncode is None
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(process.communicate(), 30)

    assert running, stderr.decode()
    assert process.returncode == 0, stderr.decode()
