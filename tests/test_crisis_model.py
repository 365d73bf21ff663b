"""The crisis model: support for the ways of saying it no crisis term foresaw, learnt from the
labelled searches, and never for what visitors search every day."""

from __future__ import annotations

import sys

import pytest

from webapp.config import PROJECT_ROOT, load_site_settings
from webapp.search.crisis import all_terms, matches_crisis, support_articles, typed_words
from webapp.search.crisis_model import MODEL_FILE, CrisisModel, features, model

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import crisis_model as training


@pytest.fixture(scope="module")
def crisis():
    return load_site_settings(PROJECT_ROOT / "content")["crisis"]


@pytest.fixture(scope="module")
def trained():
    labelled = training.labelled_searches()
    everyday = training.everyday_searches(labelled)
    return training.Trained(labelled + everyday), labelled + everyday


def test_the_shipped_model_is_the_one_the_labelled_searches_train(trained):
    fitted, _ = trained
    assert fitted.model() == CrisisModel.read(MODEL_FILE), (
        "webapp/search/crisis-model.tsv is out of date: run python scripts/crisis_model.py"
    )


def test_the_site_scores_a_search_as_scikit_learn_does(trained):
    # Serving sums the file's weights by hand; it must agree with the fitted model's own
    # decision function on every search it learnt from (the file rounds each weight).
    fitted, rows = trained
    queries = [row.query for row in rows]
    theirs = fitted.fitted.decision_function(fitted.matrix(queries))
    ours = [model().score(typed_words(query)) for query in queries]
    worst = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
    assert worst < 1e-3


@pytest.mark.parametrize(
    "text",
    ["drove to the bridge again last night and sat there for an hour",
     "dads shotgun in the garage cant stop thinking about it",
     "made me do things sexually i didnt want",
     "my family would be fine without me tbh"],
)  # fmt: skip
def test_a_crisis_no_term_meets_still_shows_the_panel(crisis, text):
    # The panel, and no article chosen to lead: the model cannot say which kind of crisis.
    assert not matches_crisis(text, all_terms(crisis), crisis["not_when"])
    assert support_articles(text, crisis) == []


@pytest.mark.parametrize(
    "text",
    ["tossing and turning all night", "cant slepe", "walking on eggshells", "whats ur number",
     "being kind to yourself", "my life is a mess lol need to sort it out",
     "my boss is killing me with deadlines", "dying to know how therapy works", ""],
)  # fmt: skip
def test_everyday_searches_do_not_show_the_panel(crisis, text):
    assert support_articles(text, crisis) is None


@pytest.mark.parametrize(
    "text",
    ["I keep saying yes to everything", "are online sessions confidential",
     "been feeling low for weeks", "self care ideas for a bad day", "I want to sleep better",
     "my mum died last year and I miss her", "how much does a session cost",
     "I have been having panic attacks at work", "what happens in the first session"],
)  # fmt: skip
def test_the_panel_never_flashes_up_while_an_everyday_search_is_typed(crisis, text):
    # The site searches as you type, from the first character: "I", "are" or "I keep " on
    # the way to an everyday search are no crisis.
    flashed = [text[:end] for end in range(1, len(text) + 1)
               if support_articles(text[:end], crisis) is not None]  # fmt: skip
    assert not flashed


def test_the_panel_shows_for_crisis_searches_and_not_for_everyday_ones(crisis):
    # What a visitor sees, terms and model together, on tests/search/crisis.tsv and the
    # everyday searches: both have learnt from these, so this guards against losing ground,
    # not how new searches fare (`python scripts/crisis_model.py --held-out` measures that).
    labelled = training.labelled_searches([training.ROOT / "tests" / "search" / "crisis.tsv"])
    said = [row.query for row in labelled if row.crisis]
    ordinary = [row.query for row in labelled if not row.crisis]
    everyday = [row.query for row in training.everyday_searches(training.labelled_searches())]
    missed = [q for q in said if support_articles(q, crisis) is None]
    alarms = [q for q in ordinary if support_articles(q, crisis) is not None]
    shown_everyday = [q for q in everyday if support_articles(q, crisis) is not None]
    assert len(missed) <= 0.01 * len(said), missed
    assert len(alarms) <= 0.01 * len(ordinary), alarms
    assert len(shown_everyday) <= 0.005 * len(everyday), shown_everyday


def test_features_are_words_pairs_and_runs_of_letters():
    found = features(["i", "sh"])
    assert found["word"] == {"i", "sh", "i sh"}
    assert found["letters"] == {" i ", " sh", "sh ", " sh "}


def test_a_search_of_no_words_is_never_a_crisis():
    assert not model().says_crisis([])


@pytest.mark.parametrize(
    ("family", "number"),
    [("third-set", 3), ("eleventh-set", 11), ("twentieth-set", 20), ("forty-eighth-set", 48),
     ("sixty-first-set", 61), ("ninety-ninth-set", 99), ("one-hundredth-set", 100),
     ("one-hundred-and-third-set", 103), ("one-hundred-and-twenty-first-set", 121),
     ("suicide", 0)],
)  # fmt: skip
def test_sets_are_numbered_in_the_order_they_were_written(family, number):
    # The held-out figures train on the sets before each one: the order must be right.
    assert training.set_number(family) == number
