"""Decide whether a search should open with crisis support. No Whoosh, no Flask.

The terms in site settings are word patterns (see `patterns.py`): "kill|hurt|harm ...
myself" covers many phrasings in one line. Someone in distress types fast, on a phone, in
their own words: matching ignores case, accents, curly apostrophes, punctuation, hyphens and
the spaces inside a term, a misspelt word that is no English word meets the term it is
nearest to ("suicidle"), and one typed without its spaces is read as the terms' words it
runs together ("killmyself"). Still only whole words match, so "self care" or "safety" never
trigger it. When in doubt it errs towards showing support: "suicide prevention training"
shows the panel too. A search no term meets may still show the panel: a model learnt from
labelled searches reads it too (`crisis_model`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from webapp.search import crisis_model, spelling
from webapp.search.patterns import (
    PatternSet,
    normalise,
    pattern_set,
    problems,
    repaired,
    unglued,
)

__all__ = [
    "all_terms",
    "matches_crisis",
    "normalise",
    "settings_problems",
    "support_article_fields",
    "support_articles",
    "typed_words",
]


def matches_crisis(query: str, terms: Iterable[str], exceptions: Iterable[str] = ()) -> bool:
    """Say whether the query matches any crisis term, as whole words, other than where an
    exception pattern covers the match ("overdosing on news" is not an overdose). The terms
    alone: `support_articles` also asks the model."""
    found = pattern_set(terms)
    reading = _Reading(query, found, exceptions)
    return reading.matches(found)


# Letters written as look-alike symbols, the way people write a word a platform would hide
# ("su!c!de", "k1ll myself", "s*icide"): only inside a word that begins with a letter, a
# digit only before a letter, so "10 kms", "took30 tablets" and "help!" are left alone. A
# star is a hidden letter, left to the slip repair.
_LOOK_ALIKES = str.maketrans({"!": "i", "1": "i", "|": "i", "@": "a", "4": "a", "$": "s",
                              "0": "o", "3": "e", "*": ""})  # fmt: skip
_MASKED_WORD = re.compile(r"\b[^\W\d_][\w!|@$*]*?(?:[!|@$*]|[0134](?=[^\W\d_]))[\w!|@$*]*\w")


def _unmasked(query: str) -> str:
    return _MASKED_WORD.sub(lambda word: word.group().translate(_LOOK_ALIKES), query)


# "sa'd" (sexually assaulted) would lose its apostrophe and read as "sad", which no pattern
# can tell apart, so it is spelt out while the apostrophe still says what it is.
_SA_D = re.compile(r"\bsa\s?['\u2018\u2019`]\s?d\b", re.IGNORECASE)


def _spelt_out(query: str) -> str:
    return _SA_D.sub("sexually assaulted", query)


def typed_words(query: object) -> list[str]:
    """Return the words of a search as crisis reads them before any slip is repaired: folded
    (`patterns.normalise`), look-alike symbols read as letters, "sa'd" spelt out."""
    return normalise(_unmasked(_spelt_out(query))) if isinstance(query, str) else []


class _Reading:
    """A query read once for crisis terms: its words, with slips read as the terms' words
    they are nearest, and the spans exception patterns cover."""

    def __init__(self, query: object, terms: PatternSet, exceptions: Iterable[str]):
        self.typed = typed_words(query)
        unspaced = unglued(self.typed, terms.words, lambda word: _whole(word, terms.words))
        self.words = repaired(unspaced, terms.words, _meant)
        # Exceptions read slips as the terms' words too ("killing myself laughng"), never as
        # words only an exception names: a slip near one ("gome", "game") would otherwise
        # excuse a crisis it has nothing to do with.
        self.excused = list(pattern_set(exceptions).spans(self.words))

    def matches(self, found: PatternSet) -> bool:
        """Say whether any of the patterns matches where no exception covers it."""
        return any(
            not any(start <= first and last <= end for start, end in self.excused)
            for first, last in found.spans(self.words)
        )


def all_terms(crisis: Mapping[str, Any]) -> list[str]:
    """Return every pattern that shows the panel: `crisis.terms` and each family's terms."""
    terms = _strings(crisis.get("terms"))
    for family in _families(crisis):
        terms += _strings(family.get("terms"))
    return terms


def support_articles(query: str, crisis: Mapping[str, Any]) -> list[str] | None:
    """Return the slugs of the articles a crisis search leads with, or None if the query
    is no crisis search (site settings' `crisis`).

    A family (`crisis.families`) is a kind of crisis better served by articles of its own:
    someone in danger from a partner needs the article on abusive relationships and its
    helpline more than the one on low mood. A search that matches a family's terms leads
    with that family's articles, then with `crisis.articles` only if it matches
    `crisis.terms` too ("he hits me and i want to die").

    A search no term meets still shows the panel if the model says crisis (`crisis_model`),
    whether or not an exception pattern meets it: most searches both an exception and the
    model meet are crisis searches the exception was not written for ("going to end things
    with them all tonight"). The model cannot tell which kind of crisis it is, so no article
    leads (an empty list): the results are ranked for what was typed, as for any search.
    """
    every = pattern_set(all_terms(crisis))
    # One reading for every check: slips are repaired against all the terms' words.
    reading = _Reading(query, every, crisis.get("not_when") or [])
    if not reading.matches(every):
        return [] if crisis_model.model().says_crisis(reading.typed) else None
    lead = [slug for family in _families(crisis)
            if reading.matches(pattern_set(_strings(family.get("terms"))))
            for slug in _strings(family.get("articles"))]  # fmt: skip
    if not lead or reading.matches(pattern_set(_strings(crisis.get("terms")))):
        lead += _strings(crisis.get("articles"))
    return list(dict.fromkeys(lead))


def settings_problems(crisis: Mapping[str, Any]) -> list[str]:
    """Return what is wrong with the crisis settings' patterns and families, each naming
    the field (site.yml), for `content check`."""
    found = []
    for field in ("terms", "not_when"):
        found += [f"crisis.{field}: {problem}" for problem in problems(crisis.get(field) or [])]
    families = crisis.get("families") or []
    if not isinstance(families, list):
        return [*found, "crisis.families: must be a list of families, each with 'about', "
                        "'articles' and 'terms'"]  # fmt: skip
    for number, family in enumerate(families, start=1):
        where = f"crisis.families, entry {number}"
        if not isinstance(family, Mapping):
            found.append(f"{where}: must have 'about', 'articles' and 'terms'")
            continue
        where += f" ({family.get('about')!r})" if family.get("about") else ""
        for field, what in (("articles", "article slugs"), ("terms", "word patterns")):
            listed = family.get(field)
            if not isinstance(listed, list) or not listed or len(_strings(listed)) < len(listed):
                found.append(f"{where}: {field}: must be a list of {what}")
        found += [f"{where}: terms: {problem}" for problem in problems(family.get("terms") or [])]
    return found


def support_article_fields(crisis: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return (field, slug) for every article a crisis search may lead with, the field as
    `content check` names it."""
    found = [("crisis.articles", slug) for slug in _strings(crisis.get("articles"))]
    for number, family in enumerate(_families(crisis), start=1):
        field = f"crisis.families, entry {number}, articles"
        found += [(field, slug) for slug in _strings(family.get("articles"))]
    return found


def _families(crisis: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = crisis.get("families")
    return [f for f in found if isinstance(f, Mapping)] if isinstance(found, list) else []


def _strings(found: object) -> list[str]:
    return [s for s in found if isinstance(s, str)] if isinstance(found, list) else []


def _whole(word: str, known: frozenset[str]) -> bool:
    """Say whether a word is never read as several typed without spaces: an English word
    ("therapist" is not "the rapist") or a slip of one of the terms' words."""
    return spelling.english().knows(word) or bool(_meant(word, known))


# Per search and per word typed: the same words come again as a visitor types, and each
# miss scans every pattern word.
@lru_cache(maxsize=4096)
def _meant(word: str, known: frozenset[str]) -> tuple[str, ...]:
    # Only words that are no English word are taken as slips: "putting" never becomes
    # "cutting", "overdue" never "overdose". A slip in a four-letter word counts here
    # ("slef harm"), unlike in search: missing someone at risk costs more than a panel shown.
    # Not in a three-letter word: "hrt", "med" and "wih" would be "hurt", "meds", "wish".
    # Every word equally near counts: "leak" never takes "leav" from "leave".
    if len(word) < 4 or word.isdigit() or spelling.english().knows(word):
        return ()
    budget = max(1, spelling.typo_budget(word))
    return tuple(spelling.all_nearest(word, known, budget=budget))
