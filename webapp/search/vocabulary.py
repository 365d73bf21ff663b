"""The real words of the indexed articles, with counts: what "Did you mean" and as-you-type
completions look words up in. No Flask here.

A word is what `analysis.word_analyzer` makes of the text: unstemmed, lowercased, accents
folded, stop words dropped. Each word has the number of articles holding it and the number
of times it occurs in all of them. These counts are all the two features need, so they are
kept in a small file beside the Whoosh index instead of a Whoosh field, which would also
write one posting per word per article (in pure Python, about half of a full build's
postings).

The same file, with `analysis.text_analyzer`'s stemmed terms of article bodies, gives related
scoring each body term's article and occurrence counts (`search.BODY_TERMS`).

The file: a magic line, the word count and the byte length of the words, the words sorted
and joined by newlines (a word never holds one), then the two counts as arrays of unsigned
32-bit integers in the same order, little-endian. Loading it is a split and two array reads.
"""

from __future__ import annotations

import os
import struct
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from heapq import nlargest
from pathlib import Path

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton

from webapp.search import analysis

FILE = "vocabulary.bin"  # in the Whoosh index's folder; Whoosh leaves names like it alone
_MAGIC = b"webapp vocabulary 1\n"
_HEADER = struct.Struct("<QQ")  # words, bytes of words
_COUNT = "I"  # 4 bytes wherever CPython runs; a file of another width fails the length check


@dataclass
class Tally:
    """Word counts of some articles, to be merged with other tallies and written."""

    documents: Counter[str] = field(default_factory=Counter)  # word -> articles holding it
    occurrences: Counter[str] = field(default_factory=Counter)  # word -> times it occurs

    def add(self, other: Tally) -> None:
        """Count another tally's articles in this one."""
        self.documents.update(other.documents)
        self.occurrences.update(other.occurrences)

    def remove(self, other: Tally) -> None:
        """Stop counting another tally's articles (each must have been counted here)."""
        self.documents.subtract(other.documents)
        self.occurrences.subtract(other.occurrences)


def count(texts: Iterable[str], analyzer: analysis.CachedWordAnalyzer | None = None) -> Tally:
    """Return the word counts of the texts, one text per article (with another analyzer:
    the counts of its terms)."""
    analyzer = analyzer or analysis.word_analyzer()
    tally = Tally()
    documents, occurrences = tally.documents, tally.occurrences
    for text in texts:
        # The analyzer's own counting (a C-speed Counter of the raw words, then one cached
        # look-up per distinct word) gives exactly the terms it would index.
        found = analyzer.counts(text)
        documents.update(found.keys())
        occurrences.update(found)
    return tally


def write(path: Path, tally: Tally) -> None:
    """Write a tally as a vocabulary file; words no article holds any more are left out.

    A file already at `path` is replaced, never written into: in an updated generation it
    is a hard link to the live generation's file.
    """
    words = sorted(word for word, n in tally.documents.items() if n > 0)
    blob = "\n".join(words).encode("utf-8")
    documents = array(_COUNT, [tally.documents[w] for w in words])
    occurrences = array(_COUNT, [tally.occurrences[w] for w in words])
    if sys.byteorder == "big":
        documents.byteswap()
        occurrences.byteswap()
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with temporary.open("wb") as handle:
        handle.write(_MAGIC + _HEADER.pack(len(words), len(blob)))
        handle.write(blob)
        handle.write(documents.tobytes())
        handle.write(occurrences.tobytes())
    os.replace(temporary, path)


def read(path: Path) -> Vocabulary:
    """Load a vocabulary file; raise ValueError if it is not one or is cut short."""
    data = path.read_bytes()
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _HEADER.size:
        raise ValueError(f"{path}: not a vocabulary file")
    size, length = _HEADER.unpack_from(data, len(_MAGIC))
    start = len(_MAGIC) + _HEADER.size
    middle = start + length
    width = array(_COUNT).itemsize * size
    if len(data) != middle + 2 * width:
        raise ValueError(f"{path}: vocabulary file has the wrong length")
    words = data[start:middle].decode("utf-8").split("\n") if size else []
    if len(words) != size:
        raise ValueError(f"{path}: vocabulary file has the wrong number of words")
    documents, occurrences = array(_COUNT), array(_COUNT)
    documents.frombytes(data[middle : middle + width])
    occurrences.frombytes(data[middle + width :])
    if sys.byteorder == "big":
        documents.byteswap()
        occurrences.byteswap()
    return Vocabulary(words, documents, occurrences)


def update(
    path: Path,
    removed: Iterable[str],
    added: Iterable[str],
    analyzer: analysis.CachedWordAnalyzer | None = None,
) -> None:
    """Rewrite a vocabulary file without the removed articles' texts and with the added ones."""
    tally = read(path).tally()
    tally.remove(count(removed, analyzer))
    tally.add(count(added, analyzer))
    write(path, tally)


class Vocabulary:
    """A sorted word list with its counts, looked up by word, by prefix and by edit distance.

    Everything is a binary search of the sorted list: no dictionary of every word is built,
    so opening an index stays quick and a server process holds only the list and two arrays.
    """

    def __init__(self, words: list[str], documents: array, occurrences: array):
        self._words = words
        self._documents = documents
        self._occurrences = occurrences

    def __len__(self) -> int:
        return len(self._words)

    def tally(self) -> Tally:
        """Return the counts as a tally, to change and write again."""
        return Tally(
            Counter(dict(zip(self._words, self._documents, strict=True))),
            Counter(dict(zip(self._words, self._occurrences, strict=True))),
        )

    def doc_frequency(self, word: str) -> int:
        """Return how many articles hold the word (0 for a word not in any)."""
        return self.counts(word)[0]

    def counts(self, word: str) -> tuple[int, int]:
        """Return (articles holding the word, its occurrences in all of them); zeros if none."""
        words = self._words
        i = bisect_left(words, word)
        if i < len(words) and words[i] == word:
            return self._documents[i], self._occurrences[i]
        return 0, 0

    def as_dict(self) -> dict[str, tuple[int, int]]:
        """Return {word: (articles holding it, occurrences)}, for many look-ups in a row."""
        return dict(
            zip(self._words, zip(self._documents, self._occurrences, strict=True), strict=True)
        )

    def total_occurrences(self) -> int:
        """Return how many times all the words occur, together."""
        return sum(self._occurrences)

    def most_frequent(self, limit: int, prefix: str = "") -> list[tuple[int, str]]:
        """Return up to `limit` (occurrences, word) pairs of words starting with `prefix`,
        most frequent first (ties: the later word first, as Whoosh's most_frequent_terms)."""
        words = self._words
        # Sorted words have sorted prefixes, so one more binary search finds the range's end.
        start = bisect_left(words, prefix)
        end = bisect_right(words, prefix, start, key=lambda w: w[: len(prefix)])
        return nlargest(limit, zip(self._occurrences[start:end], words[start:end], strict=True))

    def within(self, word: str, distance: int, prefix: int = 1) -> set[str]:
        """Return the words at most `distance` edits from `word` that share its first
        `prefix` letters (the word itself included, if it is one).

        Whoosh's own Levenshtein automaton (as its `IndexReader.terms_within`) steps through
        the sorted words: each step asks for the first word at or after a string.
        """
        words = self._words

        def first_from(text: str) -> str | None:
            i = bisect_left(words, text)
            return words[i] if i < len(words) else None

        automaton = levenshtein_automaton(word, distance, prefix=prefix).to_dfa()
        return set(find_all_matches(automaton, first_from))
