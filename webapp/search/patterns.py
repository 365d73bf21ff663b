"""Word patterns that maintainers write (crisis terms, everyday synonyms), matched against
what a visitor types. No Whoosh, no Flask.

A pattern is words separated by spaces, matched as whole words:

- each word also matches its common endings ("harm" meets "harming", "harmed", and from
  three letters "harmin");
- case, accents, curly apostrophes, punctuation and hyphens never matter, and neither do
  the spaces inside a pattern ("self harm", "self-harm" and "selfharm" all meet);
- `a|b|c` matches any one of the words; words joined by a hyphen are one choice
  (`can-not|cant`: a space would end the choice, so `can not|cant` is "can" then
  "not" or "cant");
- `...` stands for up to three other words in between ("wish ... dead" meets "wish I was
  dead");
- `<number>` stands for a number of ten or more written in digits ("took <number> tablets"
  meets "took 30 tablets", not "took 2 tablets");
- `^` before the first word: only at the start of the search; `$` after the last: only at
  its end ("^kms$" is "kms" alone).

Someone in distress types fast, on a phone: a misspelt word that is no English word also
meets the pattern words it is nearest to (how near, `crisis` and `synonyms` each decide). A
slip is read as typed and as every pattern word it is as near to ("leav": "leave", "leak"),
so a new pattern word never takes a slip away from a word already meant.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial

from webapp.search import spelling

_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032\u0060\u00b4", "'"))
_NOT_WORD = re.compile(r"[\W_]+")
GAP = "..."
MAX_GAP = 3  # words a `...` may stand for
_ENDINGS = "s|es|ed|ing|er|ers"
# "-in'" for "-ing", as typed in a hurry ("self harmin", "cuttin"): only for words of three
# letters or more, since "i" would otherwise meet "in".
_DROPPED_G = "in"
_DROPPED_G_FROM = 3
_SLACK = 5  # letters the endings may add to each word of a pattern
# `<number>` stands for a count of ten or more in digits: "took <number> tablets" is an
# overdose, "took 2 tablets" a dose.
NUMBER = "<number>"
_NUMBER_REGEX = "[1-9][0-9]{1,3}"
_NUMBER_STARTS = tuple(f"{a}{b}" for a in "123456789" for b in "0123456789")

# A word of a search: as typed, or as the spellings it may be read as (typed, then repairs).
Word = str | tuple[str, ...]


def _spellings(word: Word) -> tuple[str, ...]:
    return (word,) if isinstance(word, str) else word


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


@dataclass(frozen=True)
class _Segment:
    """Words that must stand next to each other: one regex over the words run together."""

    regex: re.Pattern[str]
    longest: int  # the most letters a match can have
    starts: frozenset[str]  # the first two letters any match can start with

    def may_start(self, word: str) -> bool:
        """Say whether a match could start at this word (a cheap test before the regex)."""
        if len(word) >= 2:
            return word[:2] in self.starts
        return any(start.startswith(word) for start in self.starts)


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern: segments joined by gaps, perhaps anchored at either end."""

    text: str
    segments: tuple[_Segment, ...]
    words: frozenset[str]  # its literal words, for repairing misspellings
    at_start: bool = False
    at_end: bool = False

    def spans(
        self, words: Sequence[Word], starts: Iterable[int] | None = None
    ) -> list[tuple[int, int]]:
        """Return every (first word, after last word) span of `words` the pattern matches
        (only those beginning at `starts`, if given)."""
        found = []
        for start, end in _segment_spans(self.segments[0], words, starts=starts):
            if self.at_start and start:
                continue
            for last in self._rest(words, 1, end):
                if not self.at_end or last == len(words):
                    found.append((start, last))
        return found

    def _rest(self, words: Sequence[Word], index: int, after: int) -> Iterable[int]:
        if index == len(self.segments):
            yield after
            return
        for start, end in _segment_spans(self.segments[index], words, after):
            if start - after <= MAX_GAP:
                yield from self._rest(words, index + 1, end)


def _segment_spans(segment: _Segment, words: Sequence[Word], first: int = 0,
                   starts: Iterable[int] | None = None):  # fmt: skip
    # Runs of whole words joined without their spaces are matched against the segment's words
    # joined the same way: "self harm" meets "selfharm" either way round, and a match can
    # only start and end on word boundaries. A word read more than one way gives a run for
    # each of its spellings.
    for start in range(first, len(words)) if starts is None else starts:
        if starts is None and not any(map(segment.may_start, _spellings(words[start]))):
            continue
        run = ""
        runs: list[str] = []  # once a word has more than one spelling: a run for each
        for end in range(start, len(words)):
            word = words[end]
            if not runs and isinstance(word, str):  # most searches: one spelling per word
                run += word
                if len(run) > segment.longest:
                    break
                if segment.regex.fullmatch(run):
                    yield start, end + 1
                continue
            runs = [r + spelling for r in runs or [run] for spelling in _spellings(word)
                    if len(r) + len(spelling) <= segment.longest]  # fmt: skip
            if not runs:
                break
            if any(segment.regex.fullmatch(r) for r in runs):
                yield start, end + 1


class PatternError(ValueError):
    """A pattern that cannot be used, with what is wrong in plain words."""


def compile_pattern(text: object) -> Pattern:
    """Compile one pattern; raise PatternError saying what is wrong with it."""
    if not isinstance(text, str):  # YAML can give a number, a list or a mapping
        raise PatternError("is not text")
    return _compile(text)


@lru_cache(maxsize=2048)
def _compile(text: str) -> Pattern:
    items = text.replace("\u2026", f" {GAP} ").split()
    at_start = bool(items) and items[0].startswith("^")
    at_end = bool(items) and items[-1].endswith("$")
    if at_start:
        items[0] = items[0][1:]
    if at_end:
        items[-1] = items[-1][:-1]
    items = [item for item in items if item]
    for item in items:
        # Anchors mark the whole pattern's ends; one inside it ("end it$|everything") would
        # otherwise be dropped or anchor every choice, not the one it stands on.
        if "$" in item or "^" in item:
            raise PatternError(
                f"has '^' or '$' inside it ('{item}'): they may only open or close the whole "
                "pattern; write the choices that need them as a line of their own"
            )
    groups: list[list[list[list[str]]]] = [[]]  # segments -> slots -> alternatives -> words
    for item in items:
        if item == GAP:
            if not groups[-1]:
                raise PatternError(f"'{GAP}' must stand between two words")
            groups.append([])
            continue
        alternatives = [[NUMBER] if part == NUMBER else normalise(part) for part in item.split("|")]
        if not all(alternatives):
            raise PatternError(f"'{item}' has an empty choice or no letters")
        groups[-1].append(alternatives)
    if not groups[-1]:
        raise PatternError("has no words" if len(groups) == 1 else f"ends with '{GAP}'")
    segments = []
    literal: set[str] = set()
    for slots in groups:
        parts = []
        longest = 0
        for alternatives in slots:
            parts.append("(?:" + "|".join(_words_regex(words) for words in alternatives) + ")")
            longest += max(sum(len(w) + _SLACK for w in words) for words in alternatives)
            literal.update(w for words in alternatives for w in words if w != NUMBER)
        starts = frozenset(
            start for words in slots[0]
            for start in (_NUMBER_STARTS if words[0] == NUMBER else ["".join(words)[:2]])
        )  # fmt: skip
        segments.append(_Segment(re.compile("".join(parts)), longest, starts))
    return Pattern(text, tuple(segments), frozenset(literal), at_start, at_end)


def _words_regex(words: list[str]) -> str:
    parts = []
    for word in words:
        if word == NUMBER:
            parts.append(_NUMBER_REGEX)
            continue
        endings = _ENDINGS + (f"|{_DROPPED_G}" if len(word) >= _DROPPED_G_FROM else "")
        if word.endswith("e"):  # overdose -> overdosing, overdosed
            parts.append(re.escape(word[:-1]) + f"(?:e|{endings})")
        else:  # hurt -> hurting; cut -> cutting, but never "od" -> "odd", "odds"
            doubled = "|".join(e for e in endings.split("|") if e[0] in "aeiou")
            parts.append(re.escape(word) + f"(?:{re.escape(word[-1])}?(?:{doubled})|s|es)?")
    return "".join(parts)


@dataclass(frozen=True)
class PatternSet:
    """The usable patterns of a list, with all their literal words (for repairing slips)."""

    patterns: tuple[Pattern, ...]
    words: frozenset[str]
    # Pattern positions by the first two letters a match can start with: a search runs
    # only the patterns that could start at one of its words, not the hundreds of lines.
    by_start: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # The same by first letter alone, for one-letter words ("i", "a").
    by_letter: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def spans(self, words: Sequence[Word]) -> Iterator[tuple[int, int]]:
        """Yield every (first word, after last word) span a pattern of the set matches,
        trying each pattern only where its first words could start."""
        starts: dict[int, dict[int, None]] = defaultdict(dict)
        for position, word in enumerate(words):
            for form in _spellings(word):
                index = self.by_start if len(form) >= 2 else self.by_letter
                for i in index.get(form[:2], ()):
                    starts[i][position] = None
        for i in sorted(starts):
            yield from self.patterns[i].spans(words, starts[i])


def pattern_set(texts: Iterable[object]) -> PatternSet:
    """Return the usable patterns of a list, skipping any that are not (see `problems`);
    compiled once per distinct list, not per search."""
    return _pattern_set(tuple(t for t in texts or () if isinstance(t, str)))


@lru_cache(maxsize=64)
def _pattern_set(texts: tuple[str, ...]) -> PatternSet:
    compiled = []
    for text in texts:
        try:
            compiled.append(compile_pattern(text))
        except PatternError:
            continue
    by_start: dict[str, list[int]] = defaultdict(list)
    by_letter: dict[str, set[int]] = defaultdict(set)
    for i, pattern in enumerate(compiled):
        for start in pattern.segments[0].starts:
            by_start[start].append(i)
            by_letter[start[:1]].add(i)
    return PatternSet(
        tuple(compiled),
        frozenset().union(*(p.words for p in compiled)),
        {start: tuple(listed) for start, listed in by_start.items()},
        {letter: tuple(sorted(listed)) for letter, listed in by_letter.items()},
    )


def problems(texts: Iterable[object]) -> list[str]:
    """Return what is wrong with each unusable pattern of a list, naming the pattern."""
    found = []
    for text in texts or ():
        try:
            compile_pattern(text)
        except PatternError as error:
            found.append(f"pattern {text!r} {error}")
    return found


GLUED_FROM = 5  # letters a word needs before it is tried as words typed without spaces
_MOST_GLUED = 8


def unglued(words: list[str], known: frozenset[str], keep: Callable[[str], bool]) -> list[str]:
    """Return the words with each one typed without its spaces ("killmyself", "iwanttodie")
    read as the `known` words it splits into wholly, in as few as possible (two to eight).

    A pattern's own spaces never matter ("selfharm" meets "self harm"), but a typed word
    that runs across a `...` of a pattern could not meet it. A word `known`, shorter than
    GLUED_FROM or that `keep` says to leave whole (an English word, a slip the terms repair)
    stays as typed.
    """
    found: list[str] = []
    for word in words:
        readings = []
        if len(word) >= GLUED_FROM and word not in known and not keep(word):
            readings = spelling.split_glued(word, partial(_piece, known), _MOST_GLUED)
        found.extend(readings[0] if readings else [word])
    return found


def _piece(known: frozenset[str], piece: str) -> bool:
    # A letter alone is a word only as "i" or "a": "modus" is never "m od us".
    return piece in known and (len(piece) > 1 or piece in "ia")


def repaired(
    words: list[str],
    known: frozenset[str],
    correct: Callable[[str, frozenset[str]], tuple[str, ...]],
) -> list[Word]:
    """Return the words with each misspelling of `known` words read both as typed and as
    the words `correct` says it may be meant as (given a word and the known words, it
    returns them, or nothing). A word the patterns name is read only as itself: "noone"
    is "no one", never also "noose"."""
    found: list[Word] = []
    for word in words:
        meant = () if word in known else correct(word, known)
        found.append((word, *meant) if meant else word)
    return found
