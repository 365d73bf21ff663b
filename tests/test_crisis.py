"""Crisis support comes first whenever a search reads like someone may be at risk, however
it is typed, and never for ordinary wellbeing words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.crisis import matches_crisis, normalise

TERMS = [
    "suicide", "suicidal", "kill myself", "end my life", "ending my life", "want to die",
    "wanting to die", "don't want to live", "self harm", "selfharm", "hurt myself", "overdose",
    "suicde", "sucide",
]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "suicide",
        "SUICIDE",
        "I feel suicidal",
        "suicide prevention training",  # errs towards showing support
        "suicde",
        "sucide thoughts",
        "I want to kill myself",
        "kill my self",
        "killmyself",
        "kill-myself",
        "how do I end my life",
        "thinking about ending my life",
        "i want to die",
        "I WANT TO DIE.",
        "wanttodie",
        "wanted to die",
        "wanting to die",
        "I don't want to live",
        "I don\u2019t want to live",  # curly apostrophe from a phone keyboard
        "i dont want to live anymore",
        "self harm",
        "self-harm",
        "self\u2010harm",  # Unicode hyphen
        "selfharm",
        "Self Harm help",
        "self–harm",
        "self harming",
        "self-harmed",
        "hurt myself",
        "hurting myself",
        "overdose",
        "overdosed",
        "overdosing",
        "took an overdose?",
        "su\u00efcide",  # accented, as Dutch writes it
        "sui\u200bcide",  # a zero-width space pasted in
        "\uff53\uff55\uff49\uff43\uff49\uff44\uff45",  # fullwidth letters
        "(suicide)",
        "suicide\x00",
    ],
)
def test_crisis_terms_match_however_typed(text):
    assert matches_crisis(text, TERMS)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "self esteem",
        "self care",
        "selfcare",
        "self-care",
        "self compassion",
        "safety",
        "life changes",
        "end of life care",
        "wanting to diet",
        "harmless habits",
        "self harmony",
        "skill myself",
        "die",
        "the end",
        "my life",
        "living well",
        "anxiety",
        "overdue",
        "killer whales",
    ],
)
def test_ordinary_searches_do_not_match(text):
    assert not matches_crisis(text, TERMS)


def test_terms_written_differently_still_match():
    assert matches_crisis("selfharm", ["self-harm"])
    assert matches_crisis("self harm", ["selfharm"])
    assert matches_crisis("dont want to live", ["don\u2019t want to live"])


def test_no_terms_or_empty_terms_never_match():
    assert not matches_crisis("suicide", [])
    assert not matches_crisis("anything", ["", "  ", "--"])


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("Don\u2019t  STOP—self-harm\u00e9") == ["dont", "stop", "self", "harme"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=30), max_size=5))
def test_any_text_and_terms_never_raise(text, terms):
    assert matches_crisis(text, terms) in (True, False)
