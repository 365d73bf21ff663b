"""The pattern language maintainers write crisis terms and synonyms in."""

from __future__ import annotations

import pytest

from webapp.search.patterns import PatternError, compile_pattern, normalise, problems


def spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return compile_pattern(pattern).spans(normalise(text))


def test_words_match_whole_words_with_their_endings():
    assert spans("harm", "harming others") == [(0, 1)]
    assert spans("hurt", "hurting") == [(0, 1)]
    assert spans("overdose", "overdosed") == [(0, 1)]
    assert spans("harm", "harmony") == []
    assert spans("kill", "skill") == []


def test_spaces_hyphens_and_apostrophes_never_matter():
    assert spans("self harm", "selfharm")
    assert spans("selfharm", "self-harm")
    assert spans("dont want", "don\u2019t want")


def test_choices_gaps_and_anchors():
    assert spans("kill|hurt ... myself", "i might hurt my self")
    assert spans("wish ... dead", "i wish i was dead") == [(1, 5)]
    assert not spans("wish ... dead", "i wish that one day it was not dead")  # gap over three
    assert spans("^kms$", "kms")
    assert not spans("^kms$", "5 kms")
    assert spans("nobody|no-one ... care", "no one would care")


@pytest.mark.parametrize(
    "bad", ["", "...", "... dead", "wish ...", "a||b", "!!", "end it$|everything", "at|to$ home",
            "a ^b", "^^kms"],
)  # fmt: skip
def test_unusable_patterns_are_named_with_the_reason(bad):
    with pytest.raises(PatternError):
        compile_pattern(bad)
    assert problems([bad])[0].startswith(f"pattern {bad!r}")


@pytest.mark.parametrize("bad", [{"a": "b"}, ["kill", "myself"], 42, None])
def test_a_pattern_that_is_not_text_is_named_not_a_crash(bad):
    with pytest.raises(PatternError):
        compile_pattern(bad)
    assert problems([bad]) == [f"pattern {bad!r} is not text"]


def test_a_swap_of_neighbouring_letters_is_one_typo():
    from webapp.search import spelling

    assert spelling.distance("anxeity", "anxiety") == 1
    assert spelling.distance("boundries", "boundaries") == 1
    assert spelling.typo_budget("grif") == 0
    assert spelling.typo_budget("greif") == 1
    assert spelling.typo_budget("counceling") == 2
    assert spelling.english().knows("mourning") and spelling.english().knows("behaviour")
    assert not spelling.english().knows("anxeity")


def test_a_number_stands_for_counts_of_ten_or_more_in_digits():
    assert spans("took ... <number> tablets", "i took 30 tablets")
    assert spans("took ... <number> tablets", "took like 100 tablets last night")
    assert not spans("took ... <number> tablets", "i took 2 tablets")
    assert not spans("took ... <number> tablets", "i took some tablets")
    assert spans("<number> kms", "10 kms") and not spans("<number> kms", "5 kms")
