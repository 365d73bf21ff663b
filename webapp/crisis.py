"""Decide whether a search should open with crisis support. No Whoosh, no Flask.

Someone in distress types fast, on a phone, in their own words: matching ignores case,
accents, curly apostrophes, punctuation, hyphens and the spaces inside a term ("self-harm",
"self harm" and "selfharm" all meet), but still only whole words match, so "self care" or
"safety" never trigger it. When in doubt it errs towards showing support: "suicide
prevention training" shows the panel too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032\u0060\u00b4", "'"))
_NOT_WORD = re.compile(r"[\W_]+")
# Common endings, so the settings need not list every form: "self harming", "overdosed",
# "hurting myself", "cutting myself", "wanted to die".
_ENDINGS = "(?:s|es|ed|ing|er|ers)"
_SLACK = 5  # letters the endings may add to each word of a term


def normalise(text: str) -> list[str]:
    """Return the words of `text` folded for matching: no case, accents or punctuation."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(
        ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    # "don't" and "dont" meet: apostrophes join, every other non-letter separates words.
    text = text.replace("'", "")
    return _NOT_WORD.sub(" ", text).split()


def matches_crisis(query: str, terms: Iterable[str]) -> bool:
    """Say whether the query contains any crisis term as whole words."""
    if not isinstance(query, str):
        return False
    words = normalise(query)
    return any(isinstance(term, str) and _contains(words, *_pattern(term)) for term in terms or ())


@lru_cache(maxsize=256)
def _pattern(term: str) -> tuple[re.Pattern[str] | None, int]:
    words = normalise(term)
    if not words:
        return None, 0
    parts = []
    for word in words:
        if word.endswith("e"):  # overdose -> overdosing, overdosed
            parts.append(re.escape(word[:-1]) + "(?:e|es|ed|er|ers|ing)")
        else:  # hurt -> hurting; cut -> cutting
            parts.append(re.escape(word) + f"{re.escape(word[-1])}?{_ENDINGS}?")
    return re.compile("".join(parts)), sum(len(w) + _SLACK for w in words)


def _contains(words: list[str], pattern: re.Pattern[str] | None, longest: int) -> bool:
    # Join runs of whole query words without their spaces and match the term's words joined
    # the same way: "self harm" meets "selfharm" either way round, and a match can only
    # start and end on word boundaries.
    if pattern is None:
        return False
    for start in range(len(words)):
        run = ""
        for word in words[start:]:
            run += word
            if len(run) > longest:
                break
            if pattern.fullmatch(run):
                return True
    return False
