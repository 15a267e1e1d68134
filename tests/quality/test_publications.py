"""The by-publication report takes out exactly the terms that one publication alone uses."""

from __future__ import annotations

from jobs.catalogue import TopicDefinition
from tests.quality.evaluate import Sample, publication
from tests.quality.publications import by_publication

VOCABULARY = frozenset({"trade", "china"})


def sample(pub: str, title: str, gold: set[str]) -> Sample:
    return Sample(pub, False, ((title, ""),), frozenset(gold), frozenset(), VOCABULARY)


def test_a_corpus_file_belongs_to_the_publication_its_name_starts_with():
    assert publication("semafor-flagship_2026-01-14_blackouts.md") == "semafor-flagship"
    assert publication("nyt_world_2020-01-01.rss.xml") == "nyt"


def test_a_term_only_one_publication_uses_is_taken_out_and_its_tags_lost():
    topics = [
        TopicDefinition("trade", "Trade", keywords=("tariff", "levies")),
        TopicDefinition("china", "China", keywords=("Beijing",)),
    ]
    samples = [
        sample("alpha", "New tariffs", {"trade"}),
        sample("beta", "Tariff talks", {"trade"}),
        sample("alpha", "Steel levies rise", {"trade"}),
        sample("beta", "Beijing replies", {"china"}),
    ]
    figures = by_publication(topics, samples)
    assert figures["terms_of_two_or_more"] == 1
    assert figures["terms_of_one_publication"] == 2
    assert figures["per_publication"]["alpha"]["single_terms"] == ["trade:levies"]
    assert figures["topics_briefs"]["recall"] == 1.0
    assert figures["topics_briefs_without_single"]["recall"] == 0.5
