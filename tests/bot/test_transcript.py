"""The README's conversation is what the bot really says on the seed brief."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot.transcript import conversation
from tests.conftest import ROOT


def readme_transcript() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- transcript -->\n```text\n(.*?)```\n<!-- /transcript -->", readme, re.S)
    assert found, "README.md has no transcript block"
    return found.group(1)


async def test_the_readme_conversation_is_what_the_bot_says_on_the_seed_brief(
    tmp_path: Path,
) -> None:
    transcript = await conversation(tmp_path / "transcript.db")

    assert "> /digest\n📰 Your stories · 4 new\n\n1. 🇺🇦🏛️🇪🇺 Is Europe on Its Own?" in transcript
    assert "> /story 2\n🕊️🏛️ 2. Renewing war.\n\nThe Israeli military" in transcript
    assert transcript == readme_transcript(), (
        "README.md's conversation is out of date: paste `python -m tests.bot.transcript`"
    )
