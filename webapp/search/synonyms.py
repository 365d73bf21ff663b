"""Everyday words visitors use, joined to the words the articles use: `content/synonyms.yml`.
No Whoosh, no Flask.

The file maps the articles' words to the ways people say the same thing, written as word
patterns (see `patterns.py`):

    grief bereavement:
      - passed away
      - lost ... mum|mom|dad

Search reads it at query time, so an edit takes effect on the next search without an index
rebuild; a file that cannot be used keeps the last good version serving (and `content check`
says what is wrong with it).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from webapp.files import ContentError, YAMLRefused, excerpt, load_yaml, read_file, short_repr
from webapp.search import spelling
from webapp.search.patterns import Pattern, PatternError, compile_pattern, normalise, repaired

FILE = "synonyms.yml"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Synonyms:
    """Patterns, each with the article words it stands for."""

    entries: tuple[tuple[Pattern, tuple[str, ...]], ...] = ()

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word the patterns name, to put misspellings of them right."""
        return frozenset().union(*(pattern.words for pattern, _ in self.entries))

    def __call__(self, words: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Return (first word, after last word, article words) for each match in `words`.

        A misspelt word of MIN_REPAIRED letters or more meets the pattern word it was meant
        to be ("narcisist"), as search corrects words of the articles: no articles' word
        can correct a word only this file knows.
        """
        folded = repaired(["".join(normalise(word)) for word in words], self.words, _meant)
        return [
            (start, end, meaning)
            for pattern, meaning in self.entries
            for start, end in pattern.spans(folded)
        ]


# Shorter words are often names one slip from an everyday word ("woking", "waking"), and
# search has the articles' words, not the synonyms', to tell them apart. Two neighbouring
# letters swapped is the one slip a shorter word is read through ("myslef", "freind"):
# it keeps every letter, so a name seldom reads as another word that way.
MIN_REPAIRED = 7
MIN_SWAP_REPAIRED = 4


# Per search and per word typed: the same words come again as a visitor types, and each
# miss scans every pattern word.
@lru_cache(maxsize=4096)
def _meant(word: str, known: frozenset[str]) -> tuple[str, ...]:
    # As search corrects: never an English word ("posses" stays), never a number, within
    # the typo budget of the word's length, and only a clear winner.
    if len(word) < MIN_SWAP_REPAIRED or word.isdigit() or spelling.english().knows(word):
        return ()
    if len(word) < MIN_REPAIRED:
        swapped = sorted(w for w in spelling.swaps(word) if w in known)
        return tuple(swapped) if len(swapped) == 1 else ()
    meant = spelling.nearest(word, known)
    return (meant,) if meant else ()


class SynonymsError(ValueError):
    """The synonyms file cannot be used; the message names the file, the entry and why."""


def parse(text: str, name: str = FILE) -> tuple[Synonyms, list[str]]:
    """Return the synonyms in a file's text and what is wrong with any entry left out.

    Raise SynonymsError when the file as a whole cannot be read.
    """
    try:
        data = load_yaml(text)  # no aliases: one could make a list of millions from a line
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = f": {error.problem}" if isinstance(error, YAMLRefused) else ""
        raise SynonymsError(f"{name}: is not valid YAML{where}{problem}") from None
    if data is None:
        return Synonyms(), []
    if not isinstance(data, dict):
        raise SynonymsError(
            f"{name}: must be 'article words:' lines, each followed by a list of everyday words"
        )
    entries = []
    problems = []
    for key, value in data.items():
        meaning = tuple(normalise(str(key))) if isinstance(key, str | int) else ()
        if not meaning:
            problems.append(
                f"{name}: {short_repr(key)}: needs the articles' words before the colon"
            )
            continue
        said = [value] if isinstance(value, str) else value
        if not isinstance(said, list) or not said:
            problems.append(f"{name}: {excerpt(key)}: needs a list of everyday words under it")
            continue
        for item in said:
            try:
                entries.append((compile_pattern(item), meaning))
            except PatternError as error:
                problems.append(f"{name}: {excerpt(key)}: pattern {short_repr(item)} {error}")
    return Synonyms(tuple(entries)), problems


def problems(content_dir: Path) -> list[str]:
    """Return what is wrong with the content folder's synonyms file (none if it is absent)."""
    path = content_dir / FILE
    if not path.exists() and not path.is_symlink():
        return []
    try:
        return parse(_read_text(path))[1]
    except ContentError as error:
        return [f"{FILE}: {error.message}"]
    except UnicodeDecodeError as error:
        return [f"{FILE}: cannot be read ({error.__class__.__name__})"]
    except SynonymsError as error:
        return [str(error)]


def _read_text(path: Path) -> str:
    # As content files are read: a plain file inside the content folder, of bounded size.
    return read_file(path, path.parent).decode("utf-8")


class SynonymsFile:
    """The synonyms file of one content folder, read again whenever it changes."""

    def __init__(self, content_dir: Path):
        self._path = content_dir / FILE
        self._stamp: tuple[int, int] | None = None
        self._current = Synonyms()
        self._lock = threading.Lock()

    def current(self) -> Synonyms:
        """Return the synonyms as the file now says (the last good version if it is broken)."""
        try:
            status = self._path.stat()
            stamp = (status.st_mtime_ns, status.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                self._current = self._read() if stamp else Synonyms()
            return self._current

    def _read(self) -> Synonyms:
        try:
            synonyms, problems = parse(_read_text(self._path))
        except ContentError as error:
            log.error("%s: not used, the last good version stays (%s)", FILE, error.message)
            return self._current
        except (UnicodeDecodeError, SynonymsError) as error:
            log.error("%s: not used, the last good version stays (%s)", FILE, error)
            return self._current
        for problem in problems:
            log.warning("%s (entry left out)", problem)
        return synonyms
