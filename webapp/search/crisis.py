"""Decide whether a search should open with crisis support. No Whoosh, no Flask.

The terms in site settings are word patterns (see `patterns.py`): "kill|hurt|harm ...
myself" covers many phrasings in one line. Someone in distress types fast, on a phone, in
their own words: matching ignores case, accents, curly apostrophes, punctuation, hyphens and
the spaces inside a term, and a misspelt word that is no English word meets the term it is
nearest to ("suicidle"). Still only whole words match, so "self care" or "safety" never
trigger it. When in doubt it errs towards showing support: "suicide prevention training"
shows the panel too.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from webapp.search import spelling
from webapp.search.patterns import normalise, pattern_set, repaired

__all__ = ["matches_crisis", "normalise"]


def matches_crisis(query: str, terms: Iterable[str], exceptions: Iterable[str] = ()) -> bool:
    """Say whether the query matches any crisis term, as whole words, other than where an
    exception pattern covers the match ("overdosing on news" is not an overdose)."""
    if not isinstance(query, str):
        return False
    found = pattern_set(terms)
    if not found.patterns:
        return False
    words = repaired(normalise(query), found.words, _meant)
    excused = [span for pattern in pattern_set(exceptions).patterns
               for span in pattern.spans(words)]  # fmt: skip
    return any(
        not any(start <= first and last <= end for start, end in excused)
        for pattern in found.patterns
        for first, last in pattern.spans(words)
    )


# Per search and per word typed: the same words come again as a visitor types, and each
# miss scans every pattern word.
@lru_cache(maxsize=4096)
def _meant(word: str, known: frozenset[str]) -> str | None:
    # Only words that are no English word are taken as slips: "putting" never becomes
    # "cutting", "overdue" never "overdose". A slip in a four-letter word counts here
    # ("slef harm"), unlike in search: missing someone at risk costs more than a panel shown.
    if len(word) < 4 or word.isdigit() or spelling.english().knows(word):
        return None
    budget = max(1, spelling.typo_budget(word))
    return spelling.nearest(word, known, budget=budget, confident=False)
