"""How much of the topic figures rests on terms that only one publication's stories use.

Run: python -m tests.quality topics --by-publication [LABELS.json ...]

The topics file was written by people who read these labelled stories, so a
term that earns tags in the stories of one publication only may have been
added for that publication. This report groups the found stories by
publication (a corpus file's name up to its first "_"), counts for every
term of every topic in how many publications' stories it earns a tag, and
scores the tagger again with the terms of a single publication taken out: a
term then counts only where some other publication vouches for it, which is
what a newsletter nobody has seen can expect. Taking a term out of the file
for every publication is the same as leaving one publication out at a time,
since a term that earns tags in one publication's stories only changes no
other publication's tags.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from jobs.catalogue import TopicDefinition
from jobs.ingest.tag import Tagger
from tests.quality.evaluate import Sample
from tests.quality.score import Counts

FIELDS = ("keywords", "aliases", "adjectives", "context")


def _tags(tagger: Tagger, sample: Sample) -> dict[str, set[str]]:
    """Topic -> the terms that earned it, over every parsed piece of the sample."""
    tags: dict[str, set[str]] = {}
    for title, text in sample.pieces:
        for slug, terms in tagger.tag(title, text).items():
            tags.setdefault(slug, set()).update(terms)
    return tags


def _score(tagger: Tagger, samples: Iterable[Sample]) -> dict[str, Counts]:
    """Counts per publication and for briefs and feeds as a whole."""
    counts: dict[str, Counts] = {"briefs": Counts(), "feeds": Counts()}
    for sample in samples:
        predicted = set(_tags(tagger, sample)) & sample.vocabulary
        for key in (sample.publication, "feeds" if sample.feed else "briefs"):
            counts.setdefault(key, Counts()).add(predicted, set(sample.gold), set(sample.ok))
    return counts


def spread(tagger: Tagger, samples: Iterable[Sample]) -> dict[tuple[str, str], set[str]]:
    """(topic, term) -> the publications in whose stories the term earned the topic."""
    where: dict[tuple[str, str], set[str]] = {}
    for sample in samples:
        for slug, terms in _tags(tagger, sample).items():
            for term in terms:
                where.setdefault((slug, term), set()).add(sample.publication)
    return where


def without(
    topics: Sequence[TopicDefinition], terms: set[tuple[str, str]]
) -> list[TopicDefinition]:
    """The topics with the given (topic, term) pairs taken out of their evidence."""
    out = []
    for topic in topics:
        changes = {
            name: tuple(t for t in getattr(topic, name) if (topic.slug, t) not in terms)
            for name in FIELDS
        }
        # a topic needs a keyword to load; an empty one simply never matches here
        out.append(replace(topic, **changes))
    return out


def by_publication(topics: Sequence[TopicDefinition], samples: Sequence[Sample]) -> dict[str, Any]:
    """The figures of the report: all terms, and without the terms of one publication."""
    tagger = Tagger(topics)
    where = spread(tagger, samples)
    single = {key for key, pubs in where.items() if len(pubs) == 1}
    before = _score(tagger, samples)
    after = _score(Tagger(without(topics, single)), samples)
    evidence = sum(len(getattr(t, name)) for t in topics for name in FIELDS)
    publications = sorted({s.publication for s in samples})
    return {
        "publications": len(publications),
        "terms": evidence,
        "terms_earning_tags": len(where),
        "terms_of_one_publication": len(single),
        "terms_of_two_or_more": len(where) - len(single),
        "topics_briefs": before["briefs"].figures(),
        "topics_feeds": before["feeds"].figures(),
        "topics_briefs_without_single": after["briefs"].figures(),
        "topics_feeds_without_single": after["feeds"].figures(),
        "per_publication": {
            pub: {
                "stories": sum(s.publication == pub for s in samples),
                "all": before[pub].figures(),
                "without_single": after[pub].figures(),
                "single_terms": sorted(
                    f"{slug}:{term}" for (slug, term), pubs in where.items() if pubs == {pub}
                ),
            }
            for pub in publications
        },
    }


def _f(figures: dict[str, float]) -> str:
    return f"P {figures['precision']:.3f} R {figures['recall']:.3f} F1 {figures['f1']:.3f}"


def print_report(figures: dict[str, Any]) -> None:
    """The report for people, then the figures as one JSON line."""
    print(
        f"{'publication':<40} {'stories':>7}  {'all terms':<27}  without single-publication terms"
    )
    for pub, row in figures["per_publication"].items():
        print(f"{pub:<40} {row['stories']:>7}  {_f(row['all']):<27}  {_f(row['without_single'])}")
        if row["single_terms"]:
            shown = ", ".join(row["single_terms"][:12])
            more = len(row["single_terms"]) - 12
            print(f"{'':<50}only here: {shown}{f' (+{more})' if more > 0 else ''}")
    print(
        f"\n{figures['terms']} terms in the topics file; {figures['terms_earning_tags']} earn a "
        f"tag in the labelled stories of {figures['publications']} publications: "
        f"{figures['terms_of_two_or_more']} in two or more, "
        f"{figures['terms_of_one_publication']} in one only"
    )
    print(
        f"briefs: {_f(figures['topics_briefs'])}; "
        f"without single-publication terms {_f(figures['topics_briefs_without_single'])}"
    )
    print(
        f"feeds:  {_f(figures['topics_feeds'])}; "
        f"without single-publication terms {_f(figures['topics_feeds_without_single'])}"
    )
    print(json.dumps({k: v for k, v in figures.items() if k != "per_publication"}))
