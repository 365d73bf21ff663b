"""Train webapp/search/crisis-model.tsv from the labelled searches in tests/search/crisis*.tsv
and the everyday searches of tests/search/judgments.tsv and everyday-searches.tsv (logistic
regression by scikit-learn, a development dependency; serving only reads the weights).

    python scripts/crisis_model.py              # retrain and rewrite the model file
    python scripts/crisis_model.py --held-out   # how it does on sets it never saw: rewrites
                                                # docs/crisis-model.md (about a minute and a half)

Run it after adding labelled searches or changing `crisis_model.features`;
tests/test_crisis_model.py fails while the file and the data disagree.

The ordinary searches of the crisis files are mostly near misses, written to look like a
crisis; what visitors mostly type is in the search judgments. Those not labelled in a crisis
file are learnt as ordinary too, and the threshold is set by cross-validation on them: the
score above which `EVERYDAY_SHARE` of them fall, each scored by a model trained without it.

--held-out answers the question the tests cannot, since the shipped model has seen every
labelled search: for each recent set written blind, a model trained only on the sets before
it, beside the crisis terms as they stood before that set's own lines were written.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml

from webapp.search.crisis import all_terms, matches_crisis, typed_words
from webapp.search.crisis_model import LETTERS, MODEL_FILE, WORD, CrisisModel, features

LABELLED = sorted((ROOT / "tests" / "search").glob("crisis*.tsv"))
JUDGMENTS = ROOT / "tests" / "search" / "judgments.tsv"
# Everyday searches written blind as visitors type them, kept for this model alone.
EVERYDAY_FILE = ROOT / "tests" / "search" / "everyday-searches.tsv"
REPORT = ROOT / "docs" / "crisis-model.md"
EVERYDAY = -1  # the set number of an everyday search
TYPING = -2  # the set number of an ordinary search cut off as if still being typed
# Points at which each ordinary search is also learnt cut off: with fewer, the panel flashed
# up more often while everyday searches were typed (see docs/crisis-model.md).
PREFIXES_PER_SEARCH = 5
MIN_TYPED = 1  # the site searches as you type from the first character
REGULARISATION = 250.0  # scikit-learn's C: larger trusts the training searches more
EVERYDAY_SHARE = 0.015  # of the everyday searches, scored held out, over the threshold
FOLDS = 5
MIN_SEARCHES = 2  # a feature found in fewer training searches is not learnt
DECIMALS = 6  # of each weight in the file

# Each set written blind, and the commit whose crisis terms stood before its own lines.
HELD_OUT = {45: "5b26130", 48: "bbff154^", 51: "bbff154^", 53: "19cb1f5^", 55: "1056e44^",
            57: "6f07d0d^", 59: "b76626d^", 61: "e4af962", 63: "a5b8d58",
            65: "c86373a", 67: "4a278bc", 69: "cc07df6",
            71: "c27c753", 73: "7ba4761", 75: "7ba4761", 77: "91fa8d5",
            79: "91fa8d5", 83: "d317e8b", 95: "384bda4", 103: "de3af68"}  # fmt: skip


@dataclass(frozen=True)
class Labelled:
    query: str
    crisis: bool
    set_number: int  # the order sets were written in; 0 for the first searches, unnumbered


def labelled_searches(paths: list[Path] = LABELLED) -> list[Labelled]:
    """Return every labelled search in the files, each set numbered from its name."""
    found = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                found.append(Labelled(row["query"], row["crisis"] == "yes",
                                      set_number(row["family"])))  # fmt: skip
    return found


def everyday_searches(labelled: list[Labelled]) -> list[Labelled]:
    """Return the searches of the search judgments and of the everyday searches' file that
    no crisis file labels, as ordinary."""
    known = {row.query for row in labelled}
    queries: set[str] = set()
    for path in (JUDGMENTS, EVERYDAY_FILE):
        with path.open(encoding="utf-8") as handle:
            queries.update(row["query"] for row in csv.DictReader(handle, delimiter="\t"))
    return [Labelled(query, False, EVERYDAY) for query in sorted(queries - known)]


_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
          "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
          "sixteenth", "seventeenth", "eighteenth", "nineteenth"]  # fmt: skip
_TENS = ["twent", "thirt", "fort", "fift", "sixt", "sevent", "eight", "ninet"]


def set_number(family: str) -> int:
    """Return 48 for "forty-eighth-set", 103 for "one-hundred-and-third-set", 0 for a family
    name that is no numbered set."""
    name = family.removesuffix("-set")
    if name == family:
        return 0
    if name == "one-hundredth":
        return 100
    if name.startswith("one-hundred-and-"):
        return 100 + set_number(name.removeprefix("one-hundred-and-") + "-set")
    tens, _, unit = name.rpartition("-")
    if not tens:
        tens, unit = (name[:-4], "") if name.endswith("ieth") else ("", name)
    number = 10 * (_TENS.index(tens.removesuffix("y")) + 2) if tens else 0
    return number + (_UNITS.index(unit) + 1 if unit else 0)


def typing(query: str, cuts: int = PREFIXES_PER_SEARCH) -> list[str]:
    """Return the search cut off where it might be while still being typed: `cuts` points
    chosen at random, the same for the same search on every run."""
    ends = range(MIN_TYPED, len(query))
    return [query[:end] for end in sorted(random.Random(query).sample(ends, min(cuts, len(ends))))]


class Trained:
    """A model fitted to labelled searches, with what fitting it needed.

    Each ordinary search is learnt as ordinary also as it is while being typed (`typing`):
    without that, the panel came and went as a visitor typed "I keep " or "are" on the way
    to an everyday search, since half-typed words and sentences look like nothing else.
    """

    def __init__(self, rows: list[Labelled]):
        import numpy
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

        typed = [(Labelled(part, False, TYPING), number) for number, row in enumerate(rows)
                 if not row.crisis for part in typing(row.query)]  # fmt: skip
        learning = rows + [row for row, _ in typed]
        # A search and its beginnings fall in the same fold, so none is scored by a model
        # that learnt a part of it.
        groups = list(range(len(rows))) + [number for _, number in typed]
        found = [features(typed_words(row.query)) for row in learning]
        everyday = numpy.array([row.set_number == EVERYDAY for row in learning])
        counts = Counter(key for by_kind in found for key in _keys(by_kind))
        learnt = sorted(key for key, searches in counts.items() if searches >= MIN_SEARCHES)
        self.columns = {key: column for column, key in enumerate(learnt)}
        matrix = self._matrix(found)
        labels = numpy.array([row.crisis for row in learning])
        self.fitted = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)
        folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=0)
        held_out = cross_val_predict(self.fitted, matrix, labels, groups=groups, cv=folds,
                                     method="decision_function")  # fmt: skip
        ordinary = numpy.sort(held_out[everyday])
        self.threshold = float(ordinary[int(len(ordinary) * (1 - EVERYDAY_SHARE))])
        self.fitted.fit(matrix, labels)

    def matrix(self, queries: list[str]):
        """Return the searches as the rows of a sparse matrix, as `CrisisModel.score` reads
        them: each kind's features weigh one over the root of how many it has."""
        return self._matrix([features(typed_words(query)) for query in queries])

    def _matrix(self, searches: list[dict[str, set[str]]]):
        from scipy.sparse import csr_matrix

        rows, columns, values = [], [], []
        for row, by_kind in enumerate(searches):
            for kind, found in by_kind.items():
                for feature in found:
                    column = self.columns.get((kind, feature))
                    if column is not None:
                        rows.append(row)
                        columns.append(column)
                        values.append(1 / math.sqrt(len(found)))
        return csr_matrix((values, (rows, columns)), shape=(len(searches), len(self.columns)))

    def model(self) -> CrisisModel:
        """Return the model as serving reads it, weights rounded for the file."""
        weights: dict[str, dict[str, float]] = {WORD: {}, LETTERS: {}}
        for (kind, feature), weight in zip(self.columns, self.fitted.coef_[0], strict=True):
            weights[kind][feature] = round(float(weight), DECIMALS)
        return CrisisModel(round(float(self.fitted.intercept_[0]), DECIMALS),
                           round(self.threshold, DECIMALS), weights)  # fmt: skip


def _keys(by_kind: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(kind, feature) for kind, found in by_kind.items() for feature in found]


def held_out_table(rows: list[Labelled], everyday: list[Labelled]) -> list[str]:
    """Return a Markdown table: each blind set, the terms of the time, the model trained on
    the sets before it (and on the everyday searches), and the two together."""
    lines = [
        "| set | crisis met: terms of the time | model | either "
        "| ordinary shown the panel: terms | model | either |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = Counter()
    for number, commit in HELD_OUT.items():
        earlier = Trained([row for row in rows if row.set_number < number] + everyday).model()
        site = subprocess.run(["git", "show", f"{commit}:content/site.yml"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        crisis = yaml.safe_load(site)["crisis"]
        terms, exceptions = all_terms(crisis), crisis.get("not_when") or []
        counts = Counter()
        for row in (row for row in rows if row.set_number == number):
            by_terms = matches_crisis(row.query, terms, exceptions)
            by_model = earlier.says_crisis(typed_words(row.query))
            kind = "crisis" if row.crisis else "ordinary"
            counts[kind] += 1
            counts[kind, "terms"] += by_terms
            counts[kind, "model"] += by_model
            counts[kind, "either"] += by_terms or by_model
        totals.update(counts)
        lines.append(_row(f"{number}", counts))
    lines.append(_row("all", totals))
    return lines


def everyday_alarms(rows: list[Labelled], everyday: list[Labelled]) -> str:
    """Say how many everyday searches a model trained without them shows the panel for, once
    typed and at any point while being typed: each half of them, by a model trained on every
    labelled search and the other half."""
    shown = flashed = 0
    halves = everyday[::2], everyday[1::2]
    for learnt, scored in (halves, halves[::-1]):
        model = Trained(rows + learnt).model()
        for row in scored:
            shown += model.says_crisis(typed_words(row.query))
            flashed += any(model.says_crisis(typed_words(row.query[:end]))
                           for end in range(MIN_TYPED, len(row.query) + 1))  # fmt: skip
    return (f"Everyday searches shown the panel by a model that never saw them: {shown} of "
            f"{len(everyday)} ({shown / len(everyday):.1%}) once typed, {flashed} "
            f"({flashed / len(everyday):.1%}) at some point while being typed, a character at "
            "a time.")  # fmt: skip


def _row(name: str, counts: Counter) -> str:
    cells = [name]
    for kind in ("crisis", "ordinary"):
        cells += [f"{counts[kind, how]} / {counts[kind]} ({counts[kind, how] / counts[kind]:.0%})"
                  for how in ("terms", "model", "either")]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def report_lines(table: list[str], everyday: str) -> list[str]:
    """Return docs/crisis-model.md: the held-out figures, and what they mean."""
    return [
        "# The crisis model on searches it never saw",
        "",
        "Written by `python scripts/crisis_model.py --held-out`. The crisis panel shows when a",
        "crisis term in `content/site.yml` meets a search, or when the crisis model",
        "(`webapp/search/crisis_model.py`) reads it as crisis. Both learnt from the labelled",
        "searches in `tests/search/`, so figures on those rows say only that nothing slipped",
        "back. Here each set written blind (by a helper who never read the terms) is scored as",
        "it was when it arrived: by the terms as they stood before any line was written for it",
        "(the commit named in `HELD_OUT`), by a model trained only on the sets before it and on",
        "the everyday searches, and by the two together, which is what a visitor would have",
        "seen. The ordinary rows of these sets share words with a crisis on purpose.",
        "Ordinary searches are also learnt as they are while being typed (`typing`), so the",
        "panel does not come and go as a visitor types an everyday search.",
        "",
        *table,
        "",
        everyday,
        "",
        "Everyday searches are those of `tests/search/judgments.tsv` and",
        "`tests/search/everyday-searches.tsv` that no crisis file labels (questions about",
        "grief, sleep, anxiety, relationships, the practice). The",
        "threshold is set so that about 1.5% of them score above it when held out",
        "(`EVERYDAY_SHARE`), so a few ordinary searches show the panel: the support it gives",
        "costs such a visitor little, and a missed crisis costs far more.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-out", action="store_true", help="measure, do not retrain")
    rows = labelled_searches()
    everyday = everyday_searches(rows)
    if parser.parse_args().held_out:
        report = "\n".join(report_lines(held_out_table(rows, everyday),
                                        everyday_alarms(rows, everyday)))  # fmt: skip
        REPORT.write_text(report + "\n", encoding="utf-8")
        print(report)
        return
    model = Trained(rows + everyday).model()
    model.write(MODEL_FILE)
    learnt = sum(map(len, model.weights.values()))
    print(f"{MODEL_FILE}: {learnt} features from {len(rows)} labelled searches "
          f"and {len(everyday)} everyday ones")  # fmt: skip


if __name__ == "__main__":
    main()
