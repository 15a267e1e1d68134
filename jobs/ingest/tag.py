"""Tagging stories with topics, and matching subscribers' own keywords.

Matching is whole-word and case-aware: a term written with a capital letter
("Hamas", "WHO") matches that spelling (and the all-capitals form used in
shouted headlines), a lower-case term ("tariff") matches any case. Multi-word
terms match across any run of spaces; plurals and possessives match too
("tariffs", "Ukraine's"). Curly apostrophes count as straight ones.

Minimum evidence (``Tagger``): a topic is tagged when one of its keywords,
aliases or adjectives is in the title, or when its evidence in the text
reaches one mention per 75 words of the story (at least one, and never more
than 4 are asked for). A keyword or alias mentioned in the text counts one;
an adjective of origin ("British") or a context term half, unless the
adjective stands before a word of state ("Syrian president"); a context term
in the title counts one. So a two-line item needs one keyword, a 120-word
story two, a 200-word story three, and a long article four: one passing
mention in a long story does not tag it. A story says what it is about in its
title and its lead (the first third of a story of more than 60 words): a
topic that neither names needs twice the evidence. Nor does a side topic with
less than a quarter of the main topic's evidence tag (unless it is in the
title). Without any keyword, context terms need one mention more than the
story's length asks for. Words inside one of the topic's ignored phrases
("trade union") are no evidence for it; a topic whose exclusion term appears
is not tagged; in a story with one of a topic's venue terms ("Olympics") only
the title can tag it; a topic that defers to another ("middle-east" to
"gaza") is left out when that one is tagged, unless the title names it and
not the other. A title the text repeats at its start counts once. A term
with other senses (``ambiguous``: "Turkey" the bird, "Georgia" the state,
"Jordan" the person) is evidence only in a story where another of the
topic's terms vouches for it (another ambiguous one will do). Each tag keeps
the terms that earned it, in the order the topics file lists them.

All terms are compiled once, into two regular expressions shaped as prefix
trees (one for the terms with capitals, one for the lower-case terms, run on
the lower-cased text), so a story is scanned twice, not once per term; a
form two of a topic's terms share ("NATO", of "NATO" and "Nato") counts once.
A phrase also counts for other topics' terms inside it ("sanctions bill" is
evidence for trade's "sanction" too).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import islice

from jobs.catalogue import TopicDefinition
from jobs.ingest.drafts import BriefDraft

WORDS_PER_MENTION = 75
MAX_MENTIONS_REQUIRED = 4
CONTEXT_WEIGHT = 0.5
CONTEXT_ALONE_EXTRA = 1  # without a keyword, context terms need one mention more
SIDE_TOPIC_SHARE = 0.25  # below this share of the main topic's evidence, a mention is passing
# A story says what it is about in its title and its lead: in a story longer than
# LONG_STORY_WORDS, a topic neither names needs OFF_LEAD_FACTOR times the evidence.
LONG_STORY_WORDS = 60
LEAD_SHARE = 1 / 3  # the lead: the first third of the words ...
LEAD_MIN_WORDS = 25  # ... and at least this many
OFF_LEAD_FACTOR = 2
_SUFFIX = r"(?:'s|s'|es|s)?"
_WORD = re.compile(r"\S+")

# What a matched term is to its owner.
TERM, ADJECTIVE, CONTEXT = "term", "adjective", "context"
EXCLUDE, IGNORE, VENUE = "exclude", "ignore", "venue"
ADJECTIVE_WEIGHT = 0.5  # "a British designer" names where a person is from, not the story's subject
# ... but before one of these it is the country acting ("Syrian president", "German voters").
# fmt: off
STATE_NOUNS = (
    "government", "authorities", "officials", "military", "army", "navy", "forces", "troops",
    "president", "prime minister", "minister", "foreign minister", "leader", "parliament",
    "lawmakers", "police", "court", "economy", "regime", "state media", "diplomats", "voters",
    "election", "democracy", "opposition", "protesters", "rebels", "border",
    "central bank", "ministry", "foreign ministry", "defense ministry", "defence ministry",
    "embassy", "ambassador", "envoy", "diplomat", "king", "monarch", "chancellor",
    "coast guard", "soldiers", "warships", "airstrikes", "missiles", "citizens", "nationals",
    "prosecutors", "judges", "regulators", "exports", "imports", "stocks", "markets",
    "companies", "firms", "banks", "currency", "parliamentary", "presidential",
)
# fmt: on
# A word of state right after a match, as written, capitalised or shouted.
_STATE_AFTER = re.compile(
    r"\s+(?:"
    + "|".join(
        "|".join(re.escape(form).replace(r"\ ", r"\s+") for form in (n, n.capitalize(), n.upper()))
        for n in sorted(STATE_NOUNS, key=len, reverse=True)
    )
    + rf"){_SUFFIX}(?![\w])"
)

# (owner, term, kind): owner is a topic slug or a subscriber keyword.
_Hit = tuple[str, str, str]
# A hit and where it matched: (hit, start, end).
_Found = tuple[_Hit, int, int]


def _normalise(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'")


def _trie_pattern(terms: Iterable[str]) -> str:
    """One regex alternation for many literal terms, factored by common prefixes."""
    trie: dict[str, dict] = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = []
        for char in sorted(k for k in node if k):
            piece = r"\s+" if char == " " else re.escape(char)
            branches.append(piece + build(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


class _Index:
    """All terms of all owners, compiled into two prefix-tree regexes."""

    def __init__(self, hits: Iterable[tuple[str, _Hit]]) -> None:
        self.exact: dict[str, list[_Hit]] = {}
        self.folded: dict[str, list[_Hit]] = {}
        for term, hit in hits:
            term = " ".join(_normalise(term).split())
            if term.lower() != term:
                for form in {term, term.upper()}:
                    _add_once(self.exact, form, hit)
            else:
                _add_once(self.folded, term, hit)
        for table in (self.exact, self.folded):
            _share_inner_terms(table, fold=table is self.folded)
        self._exact = self._compile(self._source(self.exact), 0)
        # lower-case terms run on the lower-cased text (faster than IGNORECASE), unless
        # lower-casing changes the text's length (a few letters do) and so its positions:
        # that rare case compiles the same pattern with IGNORECASE when it first comes
        self._folded_source = self._source(self.folded)
        self._lowered = self._compile(self._folded_source, 0)
        self._folded: re.Pattern[str] | None = None

    @staticmethod
    def _source(table: dict[str, list[_Hit]]) -> str | None:
        return rf"(?<![\w])({_trie_pattern(table)}){_SUFFIX}(?![\w])" if table else None

    @staticmethod
    def _compile(source: str | None, flags: int) -> re.Pattern[str] | None:
        return None if source is None else re.compile(source, flags)

    def _folding(self) -> re.Pattern[str] | None:
        if self._folded is None:
            self._folded = self._compile(self._folded_source, re.IGNORECASE)
        return self._folded

    def scan(self, text: str) -> list[_Found]:
        """Every hit in ``text``, one per mention, with where it matched."""
        found: list[_Found] = []
        text = _normalise(text)
        lowered = text.lower()
        if len(lowered) == len(text):
            runs = [(self._exact, text, self.exact), (self._lowered, lowered, self.folded)]
        else:
            runs = [(self._exact, text, self.exact), (self._folding(), text, self.folded)]
        for pattern, source, table in runs:
            if pattern is None:
                continue
            fold = table is self.folded
            for match in pattern.finditer(source):
                base = " ".join(match.group(1).split())
                for hit in table.get(base.lower() if fold else base, ()):
                    found.append(_acting((hit, match.start(), match.end()), source))
        return found


def _acting(found: _Found, text: str) -> _Found:
    """An adjective of origin before a word of state is the country acting ("Syrian
    president"): a full term, its match reaching over the noun."""
    hit, start, end = found
    if hit[2] == ADJECTIVE and (noun := _STATE_AFTER.match(text, end)):
        return (hit[0], hit[1], TERM), start, noun.end()
    return found


def _add_once(table: dict[str, list[_Hit]], form: str, hit: _Hit) -> None:
    """One form counts once for its owner: "NATO" is the all-capitals form of "Nato" too."""
    hits = table.setdefault(form, [])
    if all(other[0] != hit[0] for other in hits):
        hits.append(hit)


def _share_inner_terms(table: dict[str, list[_Hit]], fold: bool) -> None:
    """A phrase also counts for other owners' terms inside it ("sanctions bill" is a sanction).

    One regex finds one match per place, the longest term, so a shorter term of
    another owner inside it would be lost. Each owner's own shorter terms stay
    out, so a phrase counts once for its owner.
    """
    suffix = re.compile(rf"{_SUFFIX}$")
    for phrase, hits in list(table.items()):
        words = phrase.split(" ")
        owners = {hit[0] for hit in hits}
        inner: dict[_Hit, None] = {}
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                if j - i == len(words):
                    continue
                part = " ".join(words[i:j])
                for form in dict.fromkeys((part, suffix.sub("", part))):
                    key = form.lower() if fold else form
                    inner.update((h, None) for h in table.get(key, ()) if h[0] not in owners)
        hits.extend(inner)


def _unmasked(found: list[_Found]) -> list[tuple[_Hit, int]]:
    """The hits (and where they start) left when ignored phrases blank out the terms inside."""
    masks: dict[str, list[tuple[int, int]]] = {}
    for (owner, _, kind), start, end in found:
        if kind == IGNORE:
            masks.setdefault(owner, []).append((start, end))
    return [
        (hit, start)
        for hit, start, end in found
        if hit[2] != IGNORE and not any(a <= start and end <= b for a, b in masks.get(hit[0], ()))
    ]


def _without_title(title: str, text: str) -> str:
    """The text without the title it repeats at its start (a headline-only item is all title)."""
    head = " ".join(title.split())
    if head and " ".join(text[: len(title) * 2].split()).startswith(head):
        words = len(head.split())
        return text.split(None, words)[words] if len(text.split(None, words)) > words else ""
    return text


def _lead_end(text: str, words: int) -> int:
    """Where the lead of a story of ``words`` words ends (the whole text when it is short)."""
    if words <= LONG_STORY_WORDS:
        return len(text)
    last = max(LEAD_MIN_WORDS, int(words * LEAD_SHARE))
    return next(islice(_WORD.finditer(text), last - 1, None)).end()


class Tagger:
    """Tags stories with the topics of a topics file (compiled once, reused for every story)."""

    def __init__(self, topics: Sequence[TopicDefinition]) -> None:
        self.topics = list(topics)
        self._ambiguous = {t.slug: frozenset(t.ambiguous) for t in self.topics}
        self._order = {
            t.slug: {term: i for i, term in reversed(list(enumerate(t.evidence)))}
            for t in self.topics
        }
        hits: list[tuple[str, _Hit]] = []
        for topic in self.topics:
            kinds: dict[str, str] = {}  # a term listed twice counts once, as first listed
            for kind, terms in (
                (EXCLUDE, topic.exclude),
                (IGNORE, topic.ignore),
                (VENUE, topic.venues),
                (TERM, topic.terms),
                (ADJECTIVE, topic.adjectives),
                (CONTEXT, topic.context),
            ):
                for term in terms:
                    kinds.setdefault(term, kind)
            hits += [(term, (topic.slug, term, kind)) for term, kind in kinds.items()]
        self._index = _Index(hits)

    @staticmethod
    def required_mentions(words: int) -> int:
        """How many mentions in the text a topic needs, for a text of this many words."""
        return min(MAX_MENTIONS_REQUIRED, max(1, math.ceil(words / WORDS_PER_MENTION)))

    def tag(self, title: str, text: str) -> dict[str, tuple[str, ...]]:
        """Topic slug -> the terms that earned it (file order), for topics with enough evidence."""
        in_title: set[str] = set()
        score: dict[str, float] = {}
        terms: dict[str, set[str]] = {}
        excluded: set[str] = set()
        venue: set[str] = set()  # stories (sport) where the topic's places are where it happened
        strong: set[str] = set()
        in_lead: set[str] = set()
        text = _without_title(title, text)
        words = len(_WORD.findall(text))
        lead_end = _lead_end(text, words)
        found = [(source, _unmasked(self._index.scan(source))) for source in (title, text)]
        named: dict[str, set[str]] = {}  # topic -> its terms in the story
        for _, hits in found:
            for (slug, term, kind), _ in hits:
                if kind not in (EXCLUDE, VENUE):
                    named.setdefault(slug, set()).add(term)
        vouched = {
            slug
            for slug, terms in named.items()
            if len(terms) > 1 or not terms <= self._ambiguous[slug]
        }
        for source, hits in found:
            for (slug, term, kind), start in hits:
                if slug not in vouched and term in self._ambiguous[slug]:
                    continue
                if kind in (EXCLUDE, VENUE):
                    (excluded if kind == EXCLUDE else venue).add(slug)
                    continue
                terms.setdefault(slug, set()).add(term)
                if source is text and start < lead_end:
                    in_lead.add(slug)
                if kind in (TERM, ADJECTIVE):
                    strong.add(slug)
                if source is title and kind in (TERM, ADJECTIVE):
                    in_title.add(slug)
                elif source is title or kind == TERM:
                    score[slug] = score.get(slug, 0.0) + 1.0
                else:
                    weight = ADJECTIVE_WEIGHT if kind == ADJECTIVE else CONTEXT_WEIGHT
                    score[slug] = score.get(slug, 0.0) + weight
        needed = self.required_mentions(words)
        earned = {
            t.slug
            for t in self.topics
            if t.slug in terms
            and t.slug not in excluded
            and (t.slug in in_title or (t.slug not in venue and score.get(t.slug, 0.0) >= needed))
            and (t.slug in strong or score.get(t.slug, 0.0) >= needed + CONTEXT_ALONE_EXTRA)
            and (
                t.slug in in_title
                or t.slug in in_lead
                or score.get(t.slug, 0.0) >= OFF_LEAD_FACTOR * needed
            )
        }
        top = max((score.get(slug, 0.0) for slug in earned), default=0.0)
        tags: dict[str, tuple[str, ...]] = {}
        for topic in self.topics:
            slug = topic.slug
            if slug not in earned:
                continue
            if slug not in in_title and score.get(slug, 0.0) < SIDE_TOPIC_SHARE * top:
                continue
            if any(
                other in earned and (other in in_title or slug not in in_title)
                for other in topic.defer_to
            ):
                continue
            tags[slug] = tuple(sorted(terms[slug], key=self._order[slug].__getitem__))
        return tags


def tag_briefs(tagger: Tagger, briefs: Iterable[BriefDraft]) -> list[BriefDraft]:
    """The briefs with every story's ``topics`` filled in."""
    return [
        replace(
            brief,
            stories=tuple(replace(s, topics=tagger.tag(s.title, s.text)) for s in brief.stories),
        )
        for brief in briefs
    ]


class KeywordMatcher:
    """Matches a subscriber's own keywords; one mention of a keyword is enough."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = [k for k in dict.fromkeys(" ".join(k.split()) for k in keywords) if k]
        self._index = _Index((k, (k, k, TERM)) for k in self.keywords)

    def match(self, title: str, text: str) -> dict[str, tuple[str, ...]]:
        """Keyword -> (keyword,) for each keyword in the title or text, in keyword order."""
        found = {hit[0] for source in (title, text) for hit, _, _ in self._index.scan(source)}
        return {k: (k,) for k in self.keywords if k in found}
