"""`briefbot digest --now`: what is due goes out now; `--chat` sends one chat's digest at once."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import db
from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble
from tests.conftest import _migrate
from tests.factories import StorySpec, add_brief, add_subscriber

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def briefbot(api: BotApiDouble, database: str, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "BRIEFBOT_BOT_API_URL": api.base_url,
        "BRIEFBOT_DATABASE_URL": database,
    }
    process = await asyncio.create_subprocess_exec(
        BRIEFBOT, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_digest_now_sends_what_is_due_and_a_chat_on_request(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    await _migrate(url)
    engine = db.create_engine(url)
    now = datetime.now(UTC)
    due_at = (now - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    # 13 hours ago is past the 12-hour grace window: never due, whatever the hour now.
    later = (now - timedelta(hours=13)).time().replace(second=0, microsecond=0)
    async with db.create_sessionmaker(engine).begin() as session:
        await add_subscriber(session, 501, created_at=LONG_AGO, topics=["gaza"], at=due_at)
        await add_subscriber(session, 502, created_at=LONG_AGO, topics=["gaza"], at=later)
        await add_brief(
            session, now - timedelta(hours=1), [StorySpec("Gaza truce holds", ["gaza"])]
        )
    await engine.dispose()

    async with BotApiDouble() as api:
        due_code, due_out = await briefbot(api, url, "digest", "--now")
        sent_due = [m.text for m in api.sent_to(501)], [m.text for m in api.sent_to(502)]
        chat_code, chat_out = await briefbot(api, url, "digest", "--now", "--chat", "502")
        again_code, _ = await briefbot(api, url, "digest", "--now")
        unknown_code, unknown_out = await briefbot(api, url, "digest", "--now", "--chat", "9")

    assert due_code == 0, due_out
    assert "1 digests with 1 stories queued" in due_out
    assert len(sent_due[0]) == 1 and "Gaza truce holds" in sent_due[0][0]
    assert sent_due[1] == [], "502's digest time is not now"
    assert chat_code == 0, chat_out
    assert "1 message(s) sent" in chat_out
    assert "Gaza truce holds" in api.sent_to(502)[0].text
    assert again_code == 0 and len(api.sent_to(501)) == 1, "nothing is sent twice"
    assert unknown_code == 1
    assert "chat 9 is not subscribed" in unknown_out and "Traceback" not in unknown_out
