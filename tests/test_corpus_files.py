"""Corpus tests skip where the corpus is absent and fail where it is there but empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_files


def test_an_absent_corpus_skips_the_test_saying_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match=r"no corpus at .*absent"):
        corpus_files("feeds/good", root=tmp_path / "absent")


def test_a_corpus_folder_that_matches_nothing_fails_the_test(tmp_path: Path) -> None:
    (tmp_path / "feeds" / "good").mkdir(parents=True)
    (tmp_path / "feeds" / "bad").mkdir()
    (tmp_path / "feeds" / "bad" / "other.xml").write_text("<rss/>")

    with pytest.raises(pytest.fail.Exception, match="no corpus files match feeds/good/"):
        corpus_files("feeds/good", root=tmp_path)
    with pytest.raises(pytest.fail.Exception, match="feeds/bad/fp_sanitize_"):
        corpus_files("feeds/bad", "fp_sanitize_*", root=tmp_path)
    with pytest.raises(pytest.fail.Exception):
        corpus_files("renamed", root=tmp_path)


def test_the_files_that_match_come_sorted_without_folders(tmp_path: Path) -> None:
    for name in ("b.xml", "a.xml"):
        (tmp_path / "feeds" / "good" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "feeds" / "good" / name).write_text("<rss/>")
    (tmp_path / "feeds" / "good" / "folder").mkdir()

    found = corpus_files("feeds/good", root=tmp_path)

    assert [p.name for p in found] == ["a.xml", "b.xml"]
