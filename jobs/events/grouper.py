"""Grouping stories into events, one story at a time.

A new story is compared only with its candidates: the stories of the last
``window`` (36 hours by default) that share one of its rarer terms, found
through an inverted index that forgets stories as they leave the window. The
comparison is the cosine of the two stories' term weights (``features``) times
each term's inverse document frequency over the window, so a shared name that
few stories carry counts for much and a shared "Gaza" for little. The story
joins the event of its best candidate when the score reaches the threshold and
they share at least ``min_shared`` terms (two are enough at a score of
``STRONG``); otherwise it starts an event. The threshold grows with the time
between the two stories, by ``GAP_STRICTNESS`` of itself per day apart: a
weak match a day later is more often the next happening of one theme.
Pure and in memory; ``jobs.events.assign`` keeps one in step with storage.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jobs.events.features import Features, features, strict_names

DEFAULT_WINDOW = timedelta(hours=36)
THRESHOLD = 0.22  # for two stories published at the same time
GAP_STRICTNESS = 0.5  # the threshold's growth per day between the two stories
MIN_SHARED = 3
STRONG = 0.5  # a score at which two shared terms are enough
RARE_TERMS = 12  # index look-ups per new story
MAX_CANDIDATES = 40  # stories scored per new story
# A member's norm is worked out again when the index has grown or shrunk by this share.
NORM_DRIFT = 0.1


@dataclass(frozen=True, slots=True)
class Match:
    """The story a new story was grouped with, how close they were and the terms they share."""

    key: Hashable
    event: int
    score: float
    shared: tuple[str, ...]


@dataclass(slots=True)
class _Member:
    key: Hashable
    at: datetime
    features: Features
    event: int
    norm: float = 0.0  # of its weights times the idf, as of when the index held
    norm_at: int = -1  # ... this many stories


@dataclass(slots=True)
class Grouper:
    """The stories of the last ``window`` with their events, and an index over their terms."""

    window: timedelta = DEFAULT_WINDOW
    threshold: float = THRESHOLD
    min_shared: int = MIN_SHARED
    _members: dict[Hashable, _Member] = field(default_factory=dict)
    _postings: dict[str, set[Hashable]] = field(default_factory=dict)
    _expiry: list[tuple[datetime, int, Hashable]] = field(default_factory=list)
    _latest: datetime | None = None
    _serial: int = 0

    def __len__(self) -> int:
        return len(self._members)

    def match(self, feats: Features, at: datetime) -> Match | None:
        """The best-matching event for a story with ``feats`` published ``at``, if any."""
        self._forget(at)
        if feats.roundup:
            return None
        candidates = self._candidates(feats, at)
        vector = {t: w * self._idf(t) for t, w in feats.weights.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        best: Match | None = None
        for member in candidates:
            if member.features.roundup:
                continue
            score, shared = self._score(vector, norm, member)
            better = best is None or score > best.score
            if better and self._close(score, len(shared), abs(member.at - at)):
                best = Match(member.key, member.event, round(score, 3), shared)
        return best

    def _close(self, score: float, shared: int, apart: timedelta) -> bool:
        """Whether a candidate this far ``apart`` with this score and so many shared
        terms is the same event."""
        needed = self.threshold * (1.0 + GAP_STRICTNESS * apart / timedelta(days=1))
        enough = shared >= self.min_shared or (shared >= 2 and score >= STRONG)
        return enough and score >= needed

    def add(self, key: Hashable, feats: Features, at: datetime, event: int) -> None:
        """Index a story as a member of ``event``."""
        if key in self._members:
            return
        member = _Member(key, at, feats, event)
        self._members[key] = member
        for term in feats.weights:
            self._postings.setdefault(term, set()).add(key)
        self._serial += 1
        heapq.heappush(self._expiry, (at, self._serial, key))
        if self._latest is None or at > self._latest:
            self._latest = at

    def event_of(self, key: Hashable) -> int | None:
        member = self._members.get(key)
        return member.event if member else None

    def _forget(self, at: datetime) -> None:
        latest = max(at, self._latest) if self._latest else at
        horizon = latest - self.window
        while self._expiry and self._expiry[0][0] < horizon:
            _, _, key = heapq.heappop(self._expiry)
            member = self._members.pop(key, None)
            if member is None:
                continue
            for term in member.features.weights:
                keys = self._postings.get(term)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del self._postings[term]

    def _idf(self, term: str) -> float:
        df = len(self._postings.get(term, ()))
        return math.log(1.0 + (len(self._members) + 1) / (df + 1))

    def _candidates(self, feats: Features, at: datetime) -> list[_Member]:
        indexed = [t for t in feats.weights if t in self._postings]
        rare = sorted(indexed, key=lambda t: len(self._postings[t]))[:RARE_TERMS]
        hits: dict[Hashable, float] = {}
        for term in rare:
            idf = self._idf(term)
            for key in self._postings[term]:
                hits[key] = hits.get(key, 0.0) + idf
        best = heapq.nlargest(MAX_CANDIDATES, hits.items(), key=lambda kv: kv[1])
        members = (self._members[key] for key, _ in best)
        return [m for m in members if abs(m.at - at) <= self.window]

    def _score(
        self, vector: dict[str, float], norm: float, member: _Member
    ) -> tuple[float, tuple[str, ...]]:
        """The cosine of the new story's idf-weighted terms and the member's."""
        theirs = member.features.weights
        size = len(self._members)
        if not member.norm or abs(size - member.norm_at) > NORM_DRIFT * max(member.norm_at, 20):
            member.norm = math.sqrt(sum((w * self._idf(t)) ** 2 for t, w in theirs.items())) or 1.0
            member.norm_at = size
        parts = {t: vector[t] * theirs[t] * self._idf(t) for t in vector.keys() & theirs.keys()}
        if not parts:
            return 0.0, ()
        order = sorted(parts, key=lambda t: (-parts[t], t))
        return sum(parts.values()) / (norm * member.norm), tuple(order)


@dataclass(frozen=True, slots=True)
class Item:
    """A story to group: anything hashable as its key, its words and its time."""

    key: Hashable
    title: str
    text: str
    at: datetime


def group(items: Sequence[Item], grouper: Grouper | None = None) -> list[list[Hashable]]:
    """The events among ``items`` (each a list of keys, in time order), singletons included.

    Items are taken in order of time, as they would have arrived.
    """
    grouper = Grouper() if grouper is None else grouper
    events: dict[int, list[Hashable]] = {}
    for item in sorted(items, key=lambda i: i.at):
        feats = features(item.title, item.text)
        found = grouper.match(feats, item.at)
        event = found.event if found else len(events)
        events.setdefault(event, []).append(item.key)
        grouper.add(item.key, feats, item.at, event)
    return list(events.values())


def new_names(story: Features, earlier: Iterable[Features]) -> set[str]:
    """The names and numbers of ``story`` that none of the ``earlier`` stories carried."""
    seen: set[str] = set()
    for feats in earlier:
        seen |= feats.names | set(feats.weights)
    return {n for n in story.names if n not in seen}


# A later story of an event brings something new when it names this many people,
# places or numbers that the earlier stories did not.
MIN_NEW_NAMES = 2


def brings_news(title: str, text: str, earlier: Iterable[tuple[str, str]]) -> bool:
    """Whether a later story of an event is a new development, not a rewrite: it names
    people, places or numbers that none of the earlier stories' words begin like."""
    seen: set[str] = set()
    for t, x in earlier:
        seen |= set(features(t, x).weights) | strict_names(t, x)
    new = [n for n in strict_names(title, text) if not any(_alike(n, s) for s in seen)]
    return len(new) >= MIN_NEW_NAMES


def _alike(a: str, b: str) -> bool:
    """The same name in two forms ("israel", "israeli"; "palestine", "palestinian")."""
    if a == b:
        return True
    stem = min(len(a), len(b), 6)
    return stem >= 5 and a[:stem] == b[:stem]
