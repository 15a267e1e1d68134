"""Digest texts shared across a drain: rendered once, kept while a batch needs them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.delivery import messages
from bot.delivery.messages import DigestTexts
from bot.ui.i18n import translator
from storage.models import Story, StoryTopic
from storage.outbox import PlannedDigest
from storage.states import DigestKind

DAY = date(2026, 2, 12)


def story(title: str) -> Story:
    return Story(title=title, text=f"{title}. More about it.", tags=[StoryTopic(topic_slug="gaza")])


def digest(id: int, list_id: int) -> PlannedDigest:
    return PlannedDigest(id, DigestKind.SCHEDULED, DAY, 0, list_id, None)


def test_digests_of_one_list_share_the_text_and_each_carries_its_own_buttons() -> None:
    texts = DigestTexts({"gaza": "🕊️"})
    english = translator("en")
    first, second = digest(1, 10), digest(2, 10)
    lists = {10: [story("Ceasefire holds")]}

    assert texts.missing([(first, english, None), (second, english, None)]) == {10}
    [one] = texts.render(first, english, None, lists)
    [two] = texts.render(second, english, None, {})  # no stories needed: the text is kept

    assert one.pieces == two.pieces
    assert "Ceasefire holds" in one.pieces[0]
    assert one.markup is not None and '"1|s|1|1"' in one.markup
    assert two.markup is not None and '"1|s|2|1"' in two.markup


def test_a_text_found_before_a_batch_is_still_there_when_the_batch_renders_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "TEXTS_KEPT", 2)
    texts = DigestTexts({"gaza": "🕊️"})
    t = translator("en")
    lists = {n: [story(f"Story of list {n}")] for n in (1, 2, 3, 4)}
    texts.missing([(digest(1, 1), t, None)])
    texts.render(digest(1, 1), t, None, lists)

    batch = [digest(2, 2), digest(3, 3), digest(4, 4), digest(5, 1)]
    needed = texts.missing([(d, t, None) for d in batch])
    rendered = [texts.render(d, t, None, {n: lists[n] for n in needed}) for d in batch]

    assert needed == {2, 3, 4}, "list 1's text is kept from the batch before"
    assert "Story of list 1" in rendered[-1][0].pieces[0]
    assert texts.missing([]) == set() and len(texts._texts) == 2, "room is made before the next"
