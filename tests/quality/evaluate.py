"""Running ``parse`` (the code path of ``briefbot parse``) over labelled files and scoring it.

A label file's briefs are file names beside it or in its ``briefs/`` folder;
its feeds are file names in its ``feeds/good/`` folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.catalogue import TopicDefinition, load_topics
from jobs.ingest.drafts import BriefDraft
from jobs.ingest.parse import briefs_from_bytes
from jobs.ingest.tag import Tagger, tag_briefs
from tests.conftest import CORPUS, SEEDS
from tests.quality.score import BriefScore, Counts, Parsed, match_entry, score_brief

DEFAULT_LABELS = (CORPUS / "labels.json", CORPUS / "briefs-dev" / "labels.json")


def naive_tagger(topics: Sequence[TopicDefinition]) -> Callable[[str], set[str]]:
    """The baseline: a topic when its name occurs as a word."""
    patterns = [(t.slug, re.compile(rf"(?<!\w){re.escape(t.name)}(?!\w)", re.I)) for t in topics]
    return lambda text: {slug for slug, pattern in patterns if pattern.search(text)}


def parsed_stories(briefs: Sequence[BriefDraft]) -> list[Parsed]:
    return [Parsed(s.title, s.text, frozenset(s.topics)) for brief in briefs for s in brief.stories]


@dataclass(frozen=True, slots=True)
class Sample:
    """A labelled story that the splitter found, with the parsed pieces it was tagged from."""

    publication: str  # the labelled file's name up to its first "_"
    feed: bool
    pieces: tuple[
        tuple[str, str], ...
    ]  # (title, text) of each parsed story; a feed item may hold several
    gold: frozenset[str]
    ok: frozenset[str]
    vocabulary: frozenset[str]


def publication(name: str) -> str:
    """Which publication a corpus file is from: its name up to the first "_"."""
    return name.split("_", 1)[0]


@dataclass(slots=True)
class Report:
    lines: list[str] = field(default_factory=list)
    briefs: list[BriefScore] = field(default_factory=list)
    feed_ours: Counts = field(default_factory=Counts)
    feed_naive: Counts = field(default_factory=Counts)
    feed_entries: int = 0
    feed_matched: int = 0
    per_file: dict[str, dict[str, Any]] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        ours, naive = Counts(), Counts()
        for b in self.briefs:
            ours.merge(b.ours)
            naive.merge(b.naive)
        exact = sum(b.exact for b in self.briefs)
        labelled = sum(b.labelled for b in self.briefs)
        matched = sum(b.matched for b in self.briefs)
        return {
            "briefs": len(self.briefs),
            "split_exact": exact,
            "split_exact_share": round(exact / len(self.briefs), 3) if self.briefs else 0.0,
            "stories_labelled": labelled,
            "stories_matched": matched,
            "stories_matched_share": round(matched / labelled, 3) if labelled else 0.0,
            "topics_briefs": ours.figures(),
            "topics_briefs_naive": naive.figures(),
            "feed_entries": self.feed_entries,
            "feed_entries_matched": self.feed_matched,
            "topics_feeds": self.feed_ours.figures(),
            "topics_feeds_naive": self.feed_naive.figures(),
            "per_file": self.per_file,
        }


def _brief_path(base: Path, name: str) -> Path:
    beside = base / name
    return beside if beside.is_file() else base / "briefs" / name


def _parse(path: Path, tagger: Tagger) -> list[BriefDraft]:
    return tag_briefs(tagger, briefs_from_bytes(path.read_bytes(), name=path.name))


def _line(score: BriefScore) -> str:
    mark = "ok  " if score.exact else "FAIL"
    head = f"{mark} {score.name[:64]:<64} {score.matched:>2}/{score.labelled:<2}"
    return f"{head} {'; '.join(score.problems)}".rstrip()


def evaluate(label_files: Sequence[Path], topics_file: Path = SEEDS / "topics.toml") -> Report:
    """Parse every labelled brief and feed and score the result."""
    topics = load_topics(topics_file)
    tagger, naive = Tagger(topics), naive_tagger(topics)
    report = Report()
    for label_file in label_files:
        labels = json.loads(label_file.read_text(encoding="utf-8"))
        base = label_file.parent
        vocabulary = set(labels.get("vocabulary", []))
        report.lines.append(f"== {label_file}")
        scores = []
        for name, brief in labels.get("briefs", {}).items():
            parsed = parsed_stories(_parse(_brief_path(base, name), tagger))
            score = score_brief(name, brief, parsed, vocabulary, naive)
            scores.append(score)
            report.samples.extend(
                Sample(
                    publication(name),
                    False,
                    ((story.title, story.text),),
                    frozenset(gold),
                    frozenset(ok),
                    frozenset(vocabulary),
                )
                for story, gold, ok in score.pairs
            )
            report.lines.append(_line(score))
        report.briefs.extend(scores)
        ours, feeds_counts = Counts(), Counts()
        for b in scores:
            ours.merge(b.ours)
        entries = matched = 0
        for name, feed in labels.get("feeds", {}).items():
            drafts = _parse(base / "feeds" / "good" / name, tagger)
            items = parsed_stories_per_item(drafts)
            lost = []
            for entry in feed.get("entries", []):
                entries += 1
                k = match_entry(entry["title"], entry.get("i", -1), items)
                if k is None:
                    lost.append(entry.get("i"))
                    continue
                matched += 1
                gold, ok = set(entry.get("topics", [])), set(entry.get("also_ok", []))
                report.samples.append(
                    Sample(
                        publication(name),
                        True,
                        tuple((s.title, s.text) for s in drafts[k].stories),
                        frozenset(gold),
                        frozenset(ok),
                        frozenset(vocabulary),
                    )
                )
                predicted = set(items[k].topics) & vocabulary
                report.feed_ours.add(predicted, gold, ok)
                feeds_counts.add(predicted, gold, ok)
                report.feed_naive.add(
                    naive(f"{items[k].title}\n{items[k].text}") & vocabulary, gold, ok
                )
            if lost:
                report.lines.append(f"FAIL {name}: entries not found: {lost}")
        report.feed_entries += entries
        report.feed_matched += matched
        exact = sum(b.exact for b in scores)
        report.per_file[f"{base.name}/{label_file.name}"] = {
            "briefs": len(scores),
            "split_exact": exact,
            "topics_briefs": ours.figures(),
            **(
                {"feed_entries": entries, "topics_feeds": feeds_counts.figures()} if entries else {}
            ),
        }
        report.lines.append(
            f"   {exact}/{len(scores)} briefs split exactly; topics on briefs {ours.figures()}"
        )
    return report


def parsed_stories_per_item(briefs: Sequence[BriefDraft]) -> list[Parsed]:
    """One entry per feed item: its title, its stories' text and the topics of any of them."""
    return [
        Parsed(
            b.title,
            "\n\n".join(s.text for s in b.stories),
            frozenset(t for s in b.stories for t in s.topics),
        )
        for b in briefs
    ]
