"""Topic names in other languages: ``name_uk = "..."`` in the topics file."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.catalogue import load_topics
from jobs.errors import CatalogueError

ROOT = Path(__file__).resolve().parents[2]


def test_the_seed_topics_have_ukrainian_names() -> None:
    topics = {t.slug: t for t in load_topics(ROOT / "seeds" / "topics.toml")}

    assert topics["ukraine"].names == {"uk": "Україна"}
    assert topics["middle-east"].names["uk"] == "Близький Схід"
    assert all(t.names.get("uk") for t in topics.values())


def test_a_topic_without_other_names_has_none(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nslug = "tech"\nname = "Tech"\nkeywords = ["AI"]\n')

    (topic,) = load_topics(path)

    assert topic.names == {}


def test_an_empty_name_in_another_language_names_the_topic_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nslug = "tech"\nname = "Tech"\nname_uk = " "\nkeywords = ["AI"]\n')

    with pytest.raises(CatalogueError, match=r"topic 1 \('tech'\): name_uk must be a non-empty"):
        load_topics(path)
