"""Content keys and near-duplicate fingerprints."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jobs.ingest.dedupe import MIN_SIMHASH_WORDS, content_key, normalise, simhash, to_signed
from storage.stories import NEAR_DUPLICATE_BITS, hamming


def near(a: int | None, b: int | None) -> bool:
    """The rule storing applies: both fingerprints exist and are within the bits allowed."""
    return a is not None and b is not None and hamming(a, b) <= NEAR_DUPLICATE_BITS


STORY = (
    "India's prime minister arrives in Washington on Wednesday hoping to avoid a trade war "
    "with the United States. He brings offers to buy more American energy and defence "
    "equipment, and to lower tariffs on motorcycles and bourbon whiskey, officials in New "
    "Delhi said. Analysts expect the two leaders to announce a framework for talks on a "
    "broader trade agreement before the end of the year, though disagreements over "
    "agriculture and digital services remain."
)
OTHER = (
    "Greece's parliament elected Konstantinos Tassoulas as the country's new president on "
    "Wednesday, a choice that angered opposition parties who had demanded a figure from "
    "outside the governing party after a railway disaster two years ago. Protesters "
    "gathered outside parliament in Athens as the vote was announced, and several "
    "opposition leaders said they would boycott his swearing-in ceremony next month."
)


def test_typographic_variants_give_the_same_key() -> None:
    plain = content_key("Modi comes to Washington.", 'India\'s prime minister -- says "no".')
    fancy = content_key("MODI  comes to Washington", "India’s prime minister — says “no”")

    assert plain == fancy
    assert len(plain) == 64


def test_different_words_give_different_keys() -> None:
    assert content_key("Modi", "comes to Washington") != content_key("Modi", "leaves Washington")
    assert content_key("A", "b c") != content_key("A b", "c")


def test_normalise_folds_case_width_and_punctuation() -> None:
    assert normalise("  Ｕkraine’s  WAR—news!\n") == "ukraine s war news"


def test_a_lightly_edited_story_is_a_near_duplicate() -> None:
    edited = STORY.replace("Wednesday", "Thursday").replace("officials in New", "aides in New")
    longer = STORY + " The White House did not comment."

    assert near(simhash(STORY), simhash(edited))
    assert near(simhash(STORY), simhash(longer))


def test_different_stories_are_far_apart() -> None:
    a, b = simhash(STORY), simhash(OTHER)

    assert a is not None and b is not None
    assert hamming(a, b) > 16
    assert not near(a, b)


def test_short_texts_get_no_fingerprint() -> None:
    few = " ".join(["word"] * (MIN_SIMHASH_WORDS - 1))

    assert simhash(few) is None


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_fingerprints_fit_a_signed_bigint_and_keep_their_bits(value: int) -> None:
    signed = to_signed(value)

    assert -(2**63) <= signed < 2**63
    assert hamming(signed, value) == 0
    assert hamming(signed, value ^ 1) == 1 and hamming(signed, ~value) == 64


@given(st.text(min_size=1, max_size=400))
def test_any_text_gets_a_key_and_maybe_a_fingerprint(text: str) -> None:
    assert len(content_key(text, text)) == 64
    fingerprint = simhash(text)
    assert fingerprint is None or -(2**63) <= fingerprint < 2**63
