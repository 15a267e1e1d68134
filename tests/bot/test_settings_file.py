"""The settings file reader on any input: a result or one SettingsFileError, nothing else."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ui.settings_file import FORMAT, VERSION, SettingsFileError, load_settings
from bot.ui.wording import keyword_problem

KNOWN = {"ukraine", "gaza", "trade"}
any_text = st.text(st.characters(codec=None), max_size=30)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), any_text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)
fields = st.fixed_dictionaries(
    {"format": st.just(FORMAT), "version": st.just(VERSION)},
    optional={
        key: st.one_of(json_values, st.lists(any_text, max_size=5))
        for key in ("topics", "keywords", "timezone", "digest_time", "mode", "quiet_hours",
                    "language", "muted")
    },
)  # fmt: skip
PROPERTY = settings(max_examples=300, deadline=None)


def raw(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=True).encode()


@PROPERTY
@given(document=st.one_of(fields, json_values))
def test_any_json_document_is_read_or_refused_in_one_line(document: object) -> None:
    try:
        loaded = load_settings(raw(document), KNOWN)
    except SettingsFileError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    words = [*(loaded.preferences.keywords or [])]
    assert keyword_problem(words) is None, "a hostile keyword got through"
    assert set(loaded.preferences.topics or []) <= KNOWN


@PROPERTY
@given(data=st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_in_one_line(data: bytes) -> None:
    try:
        load_settings(data, KNOWN)
    except SettingsFileError as exc:
        assert str(exc) and "\n" not in str(exc)


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(500, 30_000), opener=st.sampled_from(["[", '{"a":']))
def test_nesting_at_any_depth_is_refused_in_one_line(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    document = (opener * depth + "1" + closer * depth).encode()
    try:
        load_settings(document, KNOWN)
    except SettingsFileError as exc:
        assert "\n" not in str(exc)
