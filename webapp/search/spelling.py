"""Typo tolerance: which words are real English, the typo budget, and the nearest intended
word. No Whoosh, no Flask.

A word found in no article is corrected only when it is no English word either, so
"mourning", "lost", "dead" and "cope" are never turned into other words. The English word
list is pyspellchecker's (about 160,000 words from large corpora), held compactly: measured
against wordfreq, it knew every everyday word we tried and none of the common misspellings,
where wordfreq gives many misspellings a frequency ("greif", "boundries") and is far larger.
"""

from __future__ import annotations

import gc
import heapq
import re
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path

# Meilisearch's budget: no typo in words under five letters, one from five, two from nine.
ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9


def typo_budget(word: str) -> int:
    """Return how many typos a word of this length may carry and still be corrected."""
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(word) >= ONE_TYPO_FROM else 0


def swaps(word: str, first: int = 0) -> set[str]:
    """Return the word with each pair of neighbouring letters swapped, the letters before
    `first` kept as typed."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(first, len(word) - 1)}


def likeliest_slip(typed: str, meant: str) -> bool:
    """Say whether a word differs from the one meant by the commonest slips of all: two
    neighbouring letters swapped ("greif"), or a doubled letter typed once or a letter typed
    twice ("worying": "worrying", not "working"; "stresss")."""
    if len(typed) == len(meant):
        return typed in swaps(meant)
    if abs(len(typed) - len(meant)) != 1:
        return False
    longer, shorter = (typed, meant) if len(typed) > len(meant) else (meant, typed)
    return any(
        longer[i] == longer[i + 1] and longer[:i] + longer[i + 1 :] == shorter
        for i in range(len(longer) - 1)
    )


def distance(a: str, b: str, limit: int = 2) -> int:
    """Return the edit distance of two words, a swap of neighbours counting as one edit
    (optimal string alignment); any distance over `limit` is returned as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def split_glued(
    word: str, is_part: Callable[[str], bool], most: int, shortest: int = 1
) -> list[tuple[str, ...]]:
    """Return every way of reading a word typed without its spaces ("panicattacks") as
    the fewest words `is_part` accepts (two to `most`, each of at least `shortest` letters),
    in order of their first word's end; none if it cannot be read wholly so."""
    # ways[end]: the readings of word[:end] in the fewest parts found for it.
    ways: dict[int, list[tuple[str, ...]]] = {0: [()]}
    for start in range(len(word)):
        before = ways.get(start)
        if before is None or len(before[0]) == most:
            continue
        for end in range(start + shortest, len(word) + 1):
            if not is_part(word[start:end]):
                continue
            found = ways.setdefault(end, [])
            if found and len(found[0]) < len(before[0]) + 1:
                continue
            if found and len(found[0]) > len(before[0]) + 1:
                found.clear()
            found.extend((*reading, word[start:end]) for reading in before)
    return [reading for reading in ways.get(len(word), []) if len(reading) >= 2]


def nearest(
    word: str, candidates: Iterable[str], budget: int | None = None, confident: bool = True
) -> str | None:
    """Return the candidate nearest the word within its typo budget (or `budget`), or None.

    With `confident`, two candidates equally near are no answer; without it, the likeliest
    slip wins (see `all_nearest`).
    """
    found = all_nearest(word, candidates, budget)
    if len(found) > 1 and confident:
        return None
    return found[0] if found else None


def all_nearest(word: str, candidates: Iterable[str], budget: int | None = None) -> list[str]:
    """Return every candidate at the least distance from the word within its typo budget
    (or `budget`), likeliest slip first: the same letters swapped ("lfie": "life", not
    "lie"), then a word of the same length, then a key's neighbour ("cooe": "cope", not
    "come"), then alphabetical order."""
    budget = typo_budget(word) if budget is None else budget
    if not budget:
        return []
    if isinstance(candidates, frozenset):
        # A fixed set (pattern words): look only at words whose length is within the budget,
        # and whose first letter is the same when that is kept: a long search of unknown
        # words would otherwise compare each with every pattern word.
        # Each letter one word has and the other lacks takes an edit, so a candidate with
        # more such letters than the budget is skipped before measuring its distance.
        by_length = _by_length(candidates)
        firsts = {word[:1], word[1:2]} if len(word) < TWO_TYPOS_FROM else {None}
        mine = _letters(word)
        candidates = [c for size in range(len(word) - budget, len(word) + budget + 1)
                      for first in firsts
                      for c, theirs in by_length.get((size, first), ())
                      if (mine & ~theirs).bit_count() <= budget
                      and (theirs & ~mine).bit_count() <= budget]  # fmt: skip
    best: list[str] = []
    best_distance = budget + 1
    swapped = word[1::-1]
    for candidate in candidates:
        if (len(word) < TWO_TYPOS_FROM and candidate[:1] != word[:1]
                and candidate[:2] != swapped):  # fmt: skip
            # The first letter is taken as typed, as on most keyboards' slips, or as the
            # second one typed first ("awnt").
            continue
        found = distance(word, candidate, budget)
        if found > budget:
            continue
        if found < best_distance:
            best, best_distance = [candidate], found
        elif found == best_distance:
            best.append(candidate)
    letters = sorted(word)
    return sorted(
        best, key=lambda c: (sorted(c) != letters, len(c) != len(word), _far_keys(word, c), c)
    )


@lru_cache(maxsize=16)
def _by_length(words: frozenset[str]) -> dict[tuple[int, str | None], tuple]:
    """Group words, each with its `_letters`, by (length, first letter) and (length, None)."""
    groups: dict[tuple[int, str | None], list[tuple[str, int]]] = {}
    for word in sorted(words):
        entry = (word, _letters(word))
        groups.setdefault((len(word), word[:1]), []).append(entry)
        groups.setdefault((len(word), None), []).append(entry)
    return {key: tuple(found) for key, found in groups.items()}


def _letters(word: str) -> int:
    """Return the set of a word's characters as bits (of their code points, folded to 64)."""
    bits = 0
    for ch in word:
        bits |= 1 << (ord(ch) % 64)
    return bits


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    key: {
        other
        for r, line in enumerate(_KEYBOARD_ROWS)
        for c, other in enumerate(line)
        if abs(r - row) <= 1 and abs(c - col) <= 1 and other != key
    }
    for row, keys in enumerate(_KEYBOARD_ROWS)
    for col, key in enumerate(keys)
}


def _far_keys(typed: str, meant: str) -> int:
    """Count the letters of two words of one length that differ and are not neighbours on
    a keyboard: "cooe" is "cope" (o beside p) more likely than "come"."""
    if len(typed) != len(meant):
        return 0
    return sum(
        a != b and b not in _NEIGHBOURS.get(a, ()) for a, b in zip(typed, meant, strict=True)
    )


# British spellings the American word list lacks, tried as their American forms.
_AMERICAN = [
    (re.compile(r"our(s|ed|ing|ful|less|able|ite|ites)?$"), r"or\1"),
    (re.compile(r"([iy])s(e|es|ed|ing|er|ers|ation|ations|ational|able)$"), r"\1z\2"),
    (re.compile(r"ll(ed|ing|er|ers|or|ors)$"), r"l\1"),
    (re.compile(r"tre(s)?$"), r"ter\1"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"ae"), "e"),
    (re.compile(r"oe"), "e"),
    (re.compile(r"ence(s)?$"), r"ense\1"),
]


# "n't" typed without its apostrophe: "dont" is "don't". Not the others: "youre" and "youd"
# are as often slips for "your", and "touchs" would pass as "touch's".
_CONTRACTIONS = [(re.compile(r"nt$"), "n't")]


class EnglishWords:
    """A sorted word list held as one block of bytes, looked up by binary search."""

    def __init__(self, words: Iterable[str]):
        ordered = sorted({w.encode("utf-8") for w in words if w and "\n" not in w})
        self._blob = b"\n".join(ordered)
        self._starts = array("I", [0] * len(ordered))
        position = 0
        for i, word in enumerate(ordered):
            self._starts[i] = position
            position += len(word) + 1

    def __len__(self) -> int:
        return len(self._starts)

    def _word(self, i: int) -> bytes:
        start = self._starts[i]
        end = self._blob.find(b"\n", start)
        return self._blob[start : end if end >= 0 else len(self._blob)]

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or not word:
            return False
        wanted = word.encode("utf-8")
        i = bisect_left(range(len(self)), wanted, key=self._word)
        return i < len(self) and self._word(i) == wanted

    def knows(self, word: str) -> bool:
        """Say whether the word, or its American spelling, is a real English word, or one
        typed without its apostrophe ("dont", "wouldnt")."""
        if word in self:
            return True
        for rule, replacement in _CONTRACTIONS + _AMERICAN:
            other = rule.sub(replacement, word)
            if other != word and other in self:
                return True
        return False


_lock = threading.Lock()
_english: EnglishWords | None = None


# English's most used words, one per line, most used first: `most_used_words`, written out
# so that a build need not load pyspellchecker's 160,000 frequencies to know them.
EVERYDAY_WORDS_FILE = Path(__file__).with_name("everyday-words.txt")


@cache
def everyday_words() -> frozenset[str]:
    """Return English's most used words, as `EVERYDAY_WORDS_FILE` lists them."""
    return frozenset(EVERYDAY_WORDS_FILE.read_text(encoding="utf-8").split())


def most_used_words(count: int) -> list[str]:
    """Return the `count` words used most in English by pyspellchecker's word frequencies,
    most used first (ties in the alphabet's order, so the list is the same on every
    machine). Slow: loads every frequency."""
    from spellchecker import SpellChecker

    frequencies = SpellChecker(language="en").word_frequency.dictionary
    ranked = heapq.nsmallest(count, frequencies.items(), key=lambda kv: (-kv[1], kv[0]))
    return [word for word, _ in ranked]


def english() -> EnglishWords:
    """Return the English word list, loaded once per process on first use."""
    global _english
    with _lock:
        if _english is None:
            from spellchecker import SpellChecker  # about a third of a second: only when needed

            _english = EnglishWords(SpellChecker(language="en").word_frequency.dictionary)
            gc.collect()  # the checker's own dictionary is no longer needed
        return _english
