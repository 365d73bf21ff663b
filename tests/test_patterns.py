"""The pattern language maintainers write crisis terms and synonyms in."""

from __future__ import annotations

import random

import pytest

from webapp.config import PROJECT_ROOT, load_site_settings
from webapp.search import spelling
from webapp.search.crisis import all_terms
from webapp.search.patterns import PatternError, compile_pattern, normalise, pattern_set, problems


def spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return compile_pattern(pattern).spans(normalise(text))


def test_words_match_whole_words_with_their_endings():
    assert spans("harm", "harming others") == [(0, 1)]
    assert spans("hurt", "hurting") == [(0, 1)]
    assert spans("overdose", "overdosed") == [(0, 1)]
    assert spans("harm", "harmony") == []
    assert spans("kill", "skill") == []


def test_a_doubled_last_letter_comes_only_before_an_ending_that_needs_it():
    assert spans("cut", "cutting") == [(0, 1)]
    assert spans("od", "ods") == [(0, 1)]
    # "od" is an overdose, "odd" and "odds" are ordinary words ("feeling odd lately").
    assert spans("od", "feeling odd lately") == []
    assert spans("od", "the odds of getting better") == []
    assert spans("cut", "cutt") == []


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


def test_a_word_typed_without_its_apostrophe_is_english_but_a_slip_is_not():
    from webapp.search import spelling

    for typed in ("dont", "cant", "wouldnt", "didnt", "isnt"):
        assert spelling.english().knows(typed), typed
    # Only "n't": "youre" is as often a slip for "your", "touchs" for "touches".
    assert not spelling.english().knows("touchs")
    assert not spelling.english().knows("youre")


def test_a_number_stands_for_counts_of_ten_or_more_in_digits():
    assert spans("took ... <number> tablets", "i took 30 tablets")
    assert spans("took ... <number> tablets", "took like 100 tablets last night")
    assert not spans("took ... <number> tablets", "i took 2 tablets")
    assert not spans("took ... <number> tablets", "i took some tablets")
    assert spans("<number> kms", "10 kms") and not spans("<number> kms", "5 kms")


def test_the_nearest_pattern_word_is_the_same_found_the_quick_way_or_by_trying_every_word():
    # Pattern words come as a frozenset, searched by length and letters first; a list is
    # compared with every word. Both must give the same answer for any slip.
    known = pattern_set(all_terms(load_site_settings(PROJECT_ROOT / "content")["crisis"])).words
    words, letters = sorted(known), "abcdefghijklmnopqrstuvwxyzéñж"
    rnd = random.Random(7)
    for _ in range(2000):
        word = list(rnd.choice(words))
        for _ in range(rnd.randint(0, 3)):
            at, edit = rnd.randrange(len(word)), rnd.randrange(4)
            if edit == 0:
                word[at] = rnd.choice(letters)
            elif edit == 1:
                word.insert(at, rnd.choice(letters))
            elif edit == 2 and len(word) > 1:
                del word[at]
            elif at + 1 < len(word):
                word[at], word[at + 1] = word[at + 1], word[at]
        typed = "".join(word)
        for budget in (1, 2):
            for confident in (True, False):
                assert spelling.nearest(typed, known, budget, confident) == spelling.nearest(
                    typed, list(known), budget, confident
                ), typed


def test_a_dropped_g_is_an_ending_of_words_of_three_letters_or_more():
    assert spans("self harm", "self harmin again") and spans("cut", "cuttin")
    assert spans("overdose", "overdosin")
    assert not spans("i wont", "in wont")  # "i" never meets "in"


def test_a_set_finds_every_span_its_patterns_find_one_by_one():
    # A set tries each pattern only where its first words could start; that must never
    # lose a match, or a crisis search would go without the panel.
    crisis = load_site_settings(PROJECT_ROOT / "content")["crisis"]
    texts = all_terms(crisis) + list(crisis["not_when"]) + ["i|im ... a", "<number> tablets"]
    found = pattern_set(texts)
    rows = (PROJECT_ROOT / "tests/search/crisis.tsv").read_text(encoding="utf-8").splitlines()
    queries = [row.split("\t")[0] for row in rows[1:]]
    queries += ["i a", "a", "i took 30 tablets", "x"]
    for query in queries:
        words = normalise(query)
        one_by_one = sorted(span for p in found.patterns for span in p.spans(words))
        assert sorted(found.spans(words)) == one_by_one, query
