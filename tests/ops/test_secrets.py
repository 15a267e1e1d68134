"""The bot token shows up in no output of any failure at start: not on stderr, not
on stdout, not in the logs at DEBUG, in text or JSON."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.ops.test_webhook import free_port

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))
TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"
ODD_TOKEN = "not-shaped-like-a-token-secret-value"  # still never printed


def answering(status: int, description: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.dumps({"ok": False, "error_code": status, "description": description})
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def bot_api(status: int, description: str) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), answering(status, description))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/bot"
    finally:
        httpd.shutdown()
        httpd.server_close()


def start(tmp_path: Path, token: str, api_url: str, log_format: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")},
        "TELEGRAM_BOT_TOKEN": token,
        "BRIEFBOT_BOT_API_URL": api_url,
        "BRIEFBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
        "BRIEFBOT_LOG_LEVEL": "DEBUG",
        "BRIEFBOT_LOG_FORMAT": log_format,
    }
    return subprocess.run(
        [BRIEFBOT, "run"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )


@pytest.mark.parametrize(
    ("status", "description", "token", "log_format"),
    [
        (401, "Unauthorized", TOKEN, "text"),
        (401, "Unauthorized", ODD_TOKEN, "json"),
        (404, "Not Found", TOKEN, "json"),
        (0, "nobody listens", TOKEN, "text"),
    ],
)
def test_a_rejected_token_is_never_printed_on_any_output(
    tmp_path: Path, status: int, description: str, token: str, log_format: str
) -> None:
    if status == 0:
        done = start(tmp_path, token, f"http://127.0.0.1:{free_port()}/bot", log_format)
    else:
        with bot_api(status, description) as url:
            done = start(tmp_path, token, url, log_format)

    everything = done.stdout + done.stderr
    assert done.returncode == 1, everything[-2000:]
    assert token not in everything
    assert token.split(":")[-1] not in everything
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith("Error: Telegram refused to start the bot")
    assert "TELEGRAM_BOT_TOKEN" in errors[0]
    assert "Traceback" not in done.stderr
