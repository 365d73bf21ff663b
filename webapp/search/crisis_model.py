"""A second reading of a search for crisis, for the phrasings no crisis term foresaw. No
Whoosh, no Flask.

The crisis terms in site settings are lines a maintainer can read and edit, and they meet
what someone has thought to write down. People in danger keep finding words nobody listed
("drove to the bridge again last night and sat there"). This is a linear model (logistic
regression) over a search's words, its pairs of neighbouring words and the runs of letters
inside its words (which carry it over typos and endings), learnt from the project's labelled
searches (tests/search/crisis*.tsv, and as everyday searches the search judgments and
tests/search/everyday-searches.tsv) by scripts/crisis_model.py and shipped beside this
module. It only ever adds the panel, never
takes it away. An ordinary search it mistakes is put right by labelling it ordinary in
tests/search and training again; exception patterns (`crisis.not_when`) excuse terms only.

The model file is tab-separated: `intercept` and `threshold` rows, then one row per feature
(`word` or `letters`, the feature, its weight). A search says crisis when its score is above
the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("crisis-model.tsv")
LETTER_RUNS = (3, 4)  # the lengths of the runs of letters taken from each word
WORD, LETTERS = "word", "letters"  # the two kinds of feature, as the file names them


def features(words: Sequence[str]) -> dict[str, set[str]]:
    """Return a search's features by kind: its words and pairs of neighbouring words, and
    every run of letters inside a word, the word's edges marked with a space ("kms" gives
    " km", "kms", "ms ", " kms", "kms ")."""
    found: dict[str, set[str]] = {WORD: set(words), LETTERS: set()}
    found[WORD].update(f"{first} {second}" for first, second in pairwise(words))
    for word in words:
        marked = f" {word} "
        for length in LETTER_RUNS:
            found[LETTERS].update(marked[i : i + length] for i in range(len(marked) - length + 1))
    return found


@dataclass(frozen=True)
class CrisisModel:
    """The learnt weights, and the score above which a search says crisis."""

    intercept: float
    threshold: float
    weights: Mapping[str, Mapping[str, float]]  # kind: {feature: weight}

    def score(self, words: Sequence[str]) -> float:
        """Return how strongly the words lean towards crisis. Each kind of feature counts as
        a whole, its weights divided by the square root of how many the search has, so a
        long story is not in danger for its length alone."""
        total = self.intercept
        for kind, found in features(words).items():
            if found:
                learnt = self.weights.get(kind, {})
                total += sum(learnt.get(feature, 0.0) for feature in found) / math.sqrt(len(found))
        return total

    def says_crisis(self, words: Sequence[str]) -> bool:
        """Say whether the words, as `crisis.typed_words` reads a search, lean to crisis."""
        return bool(words) and self.score(words) > self.threshold

    def write(self, path: Path) -> None:
        """Write the model as scripts/crisis_model.py does: features sorted, so a retrained
        model's diff shows what moved."""
        lines = [f"intercept\t{self.intercept!r}", f"threshold\t{self.threshold!r}"]
        for kind, learnt in sorted(self.weights.items()):
            lines += [f"{kind}\t{feature}\t{learnt[feature]!r}" for feature in sorted(learnt)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> CrisisModel:
        """Read a model written by `write`."""
        figures: dict[str, float] = {}
        weights: dict[str, dict[str, float]] = {WORD: {}, LETTERS: {}}
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 2:
                figures[parts[0]] = float(parts[1])
            else:
                weights.setdefault(parts[0], {})[parts[1]] = float(parts[2])
        return cls(figures["intercept"], figures["threshold"], weights)


@cache
def model() -> CrisisModel:
    """Return the shipped model, read once per process."""
    return CrisisModel.read(MODEL_FILE)
