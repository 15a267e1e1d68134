"""The README's conversation is what the bot really says on the seed brief."""

from __future__ import annotations

from pathlib import Path

from tests.bot.transcript import conversation


async def test_the_readme_conversation_on_the_seed_brief(tmp_path: Path) -> None:
    transcript = await conversation(tmp_path / "transcript.db")

    assert "> /start\n👋 Welcome to briefbot!" in transcript
    assert "  [✅ 🇺🇦 Ukraine]  [✅ 🕊️ Gaza]" in transcript
    assert "> /digest\n📰 Your stories · 4 new\n\n1. 🇺🇦🇪🇺 Is Europe on Its Own?" in transcript
    assert "> /story 2\n🕊️🕌 2. Renewing war\n\nThe Israeli military" in transcript
    assert transcript.rstrip().endswith("[⬅️ 1]  [Why this?]  [3 ➡️]")
