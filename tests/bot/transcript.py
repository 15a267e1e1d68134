"""Print a real conversation with the bot on the seed brief, for the README.

    python -m tests.bot.transcript

Starts the Bot API double and the real bot on a throwaway SQLite file, ingests
the World Brief of 12 February 2025 (seeds/) as `briefbot ingest` does, then sends /start,
/topics ukraine gaza trade, /topics, /digest and /story 2 as a person would, and prints
what that person sees (message texts as Telegram shows them, buttons in [ ]).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.app import build_application, start_polling, stop_polling
from bot.settings import Settings
from jobs.catalogue import load_topics, prepare_database
from jobs.ingest.fetch import make_client
from jobs.ingest.run import ingest_sources
from jobs.ingest.tag import Tagger
from storage import db
from storage.types import utcnow
from tests.botapi import BotApiDouble

CHAT = 4242
SCRIPT = ["/start", "/topics ukraine gaza trade", "/topics", "/digest", "/story 2"]
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


async def conversation(database: Path, script: list[str] = SCRIPT) -> str:
    """Run ``script`` against the real bot and return the transcript."""
    url = f"sqlite+aiosqlite:///{database}"
    engine = db.create_engine(url)
    await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
    sessions = db.create_sessionmaker(engine)
    async with make_client(allow_private=True) as client:
        tagger = Tagger(load_topics(SEEDS / "topics.toml"))
        brief = str(SEEDS / "world-brief_2025-02-12.txt")
        await ingest_sources(sessions, client, [brief], tagger, utcnow())
    async with BotApiDouble() as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN="123456789:TRANSCRIPT-token-0123456789abcdef",
            database_url=url,
            bot_api_url=api.base_url,
            private_burst=3,  # a reply's parts at once: the transcript is not about pace
        )
        application = build_application(settings, sessions)
        await start_polling(application, poll_timeout=1)
        try:
            for text in script:
                mark = len(api.calls)
                await api.user_sends(CHAT, text)
                await api.wait_for_reply(CHAT, mark)
        finally:
            await api.release_pollers()
            await stop_polling(application)
        return api.transcript(CHAT)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sys.stdout.write(asyncio.run(conversation(Path(tmp) / "transcript.db")))


if __name__ == "__main__":
    main()
