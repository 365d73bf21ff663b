"""A visitor's text to a safe Whoosh query: words, phrases, synonyms, corrections, completions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from heapq import nlargest
from typing import TYPE_CHECKING

from whoosh import query as wq
from whoosh.analysis import (
    Analyzer,
)
from whoosh.support.charset import accent_map

from webapp.search import spelling, tuning
from webapp.search.analysis import MAX_WORD, QUOTES, WORD, canonical_spelling, is_filler

if TYPE_CHECKING:  # vocabulary.py uses this module's word analysis
    from webapp.search.vocabulary import Vocabulary


# Every text field takes part in every term: a word may match title OR summary OR body OR tags.
FIELDS = ("title", "summary", "body", "tags", "headings")


MAX_TERMS = 12


MIN_PREFIX = 2


# "Did you mean": only words of a sensible length are corrected (a Levenshtein automaton
# over a 200-letter "word" is expensive), and the first letter is taken as right.
MAX_CORRECTED_WORD = 24


# A visitor's word keeps its apostrophes ("can't", "mum's"); the analyzer then splits it as
# the index did.
QUERY_WORD = re.compile(r"\w+(?:'\w+)*")


MAX_ALTERNATIVES = 8  # index terms a synonym may add to one unit


@dataclass(frozen=True)
class Unit:
    """A word or a quoted phrase as typed, with the index terms it analyses to.

    `alternatives` are index terms that count as this unit too (from the synonyms file);
    a filler unit never has to match.
    """

    words: tuple[str, ...]
    terms: tuple[str, ...]
    phrase: bool = False
    alternatives: tuple[str, ...] = ()
    filler: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """Visitor text made safe: what to show back, the units to match, the word being typed."""

    shown: str
    units: tuple[Unit, ...]
    prefix: str | None = None

    @property
    def meaning(self) -> tuple[Unit, ...]:
        """Return the units that must count: all but filler, unless filler is all there is."""
        found = tuple(u for u in self.units if not u.filler and (u.terms or u.alternatives))
        if found:
            return found
        budget = MAX_TERMS  # filler is not budgeted as it is parsed, since it is seldom searched
        for unit in (u for u in self.units if u.terms):
            if len(unit.terms) > budget:
                break
            found += (unit,)
            budget -= len(unit.terms)
        return found


def clean(text: object, max_length: int) -> str:
    """Cap the text's length, then drop control characters and lone surrogates."""
    # Lone surrogates cannot even be encoded; control and format characters are never words.
    if not isinstance(text, str):
        return ""
    limit = max(0, max_length)
    text = "".join(_keep(ch) for ch in text[:limit])
    # NFKC folds look-alikes (fullwidth letters, ligatures) but can lengthen text: cap again.
    return unicodedata.normalize("NFKC", text).translate(QUOTES)[:limit]


def _keep(ch: str) -> str:
    category = unicodedata.category(ch)
    if category[0] != "C":
        return ch
    return "" if category == "Cf" else " "  # zero-width joiners sit inside words


# "No" carries meaning shortly after a word of saying ("saying no", "how to tell people no")
# or on its own; elsewhere it is filler ("no matter how much i rest", "no one listens"), and
# it matched the title "Saying no without guilt" in searches about something else entirely.
_SAYING = frozenset({"say", "saying", "said", "says", "tell", "telling", "told"})


def _idle_no(word: str, before: tuple[str, ...]) -> bool:
    return word == "no" and not _SAYING.intersection(before)


def parse(text: object, analyzer: Analyzer, max_length: int = 200) -> ParsedQuery:
    """Split visitor text into words and balanced-quote phrases; nothing in it is syntax."""
    cleaned = clean(text, max_length)
    parts = cleaned.split('"')
    if len(parts) % 2 == 0:  # an odd number of quotes: the last one is ignored
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    units: list[Unit] = []
    budget = MAX_TERMS
    for index, part in enumerate(parts):
        words = tuple(w.lower() for w in QUERY_WORD.findall(part))
        quoted = bool(index % 2 and words)
        for n, group in enumerate([words] if quoted else [(w,) for w in words]):
            if budget <= 0:
                break
            terms = tuple(t.text for t in analyzer(" ".join(group), mode="query"))[:budget]
            before = () if quoted else words[max(0, n - 3) : n]
            filler = len(group) == 1 and (is_filler(group[0]) or _idle_no(group[0], before))
            units.append(Unit(group, terms, phrase=len(group) > 1, filler=filler))
            if not filler:  # searched only when there is nothing else (`meaning`): no crowding
                budget -= len(terms)
    last = units[-1] if units else None
    prefix = None
    # The word being typed: the text ends inside it (not after a space, quote or
    # punctuation) and it was not cut by the term budget. Filler and stop words are never
    # completed ("the" would light up "them", "these", "therapists"), nor a fragment of
    # fewer than three letters after a hyphen ("burn-ou").
    typed = QUERY_WORD.findall(cleaned)
    if (
        last
        and not last.phrase
        and WORD.fullmatch(cleaned[-1:])
        and typed[-1].lower() == last.words[0]
        and MIN_PREFIX <= len(last.words[0]) <= MAX_WORD
        and "'" not in last.words[0]
        and not last.filler
        and last.terms
        and not (cleaned[: -len(typed[-1])].endswith("-") and len(typed[-1]) < 3)
    ):
        prefix = last.words[0].translate(accent_map) or None
    # A trailing space is kept: it says the last word is finished, so a pagination link
    # built from `shown` asks for exactly the same results.
    shown = " ".join(cleaned.split())
    if shown and cleaned[-1:].isspace():
        shown += " "
    return ParsedQuery(shown, tuple(units), prefix)


def with_synonyms(
    parsed: ParsedQuery,
    spans: Callable[[list[str]], list[tuple[int, int, tuple[str, ...]]]],
    analyzer: Analyzer,
) -> ParsedQuery:
    """Return the query with everyday wording joined to the articles' words.

    `spans(words)` gives (first, after last, article words) for each stretch of the typed
    words a synonym matches; the units it covers become one unit that also matches the
    article words' terms, so "passed away" counts once, as grief does. Where several entries
    match the very same words, the unit matches all their article words ("cheaper
    sessions": fees, and choosing a counsellor); of overlapping stretches, the one starting
    first (then the longest) wins.
    """
    singles = [i for i, u in enumerate(parsed.units) if not u.phrase]
    if not singles:
        return parsed
    words = [parsed.units[i].words[0].replace("'", "") for i in singles]
    units = list(parsed.units)
    taken: set[int] = set()
    meanings: dict[tuple[int, int], tuple[str, ...]] = {}
    for first, after, meaning in spans(words):
        meanings[first, after] = meanings.get((first, after), ()) + meaning
    for (first, after), meaning in sorted(meanings.items(), key=lambda s: (s[0][0], -s[0][1])):
        covered = singles[first:after]
        if (
            not covered
            or taken & set(covered)
            or covered != list(range(covered[0], covered[-1] + 1))
        ):
            continue  # overlapping another match, or across a quoted phrase
        taken |= set(covered)
        merged = [units[i] for i in covered]
        extra = [t.text for word in meaning for t in analyzer(word, mode="query")]
        own = tuple(t for u in merged if not u.filler for t in u.terms)
        alternatives = tuple(dict.fromkeys(t for t in extra if t not in own))
        units[covered[0]] = Unit(
            tuple(w for u in merged for w in u.words),
            own,
            alternatives=alternatives[:MAX_ALTERNATIVES],
        )
        for i in covered[1:]:
            units[i] = None  # type: ignore[call-overload]
    kept = tuple(u for u in units if u is not None)
    # The word being typed stays a prefix only while it is a unit of its own.
    prefix = parsed.prefix if kept and kept[-1] is parsed.units[-1] else None
    return ParsedQuery(parsed.shown, kept, prefix)


def with_corrections(
    parsed: ParsedQuery, corrections: dict[int, tuple[str, ...]], analyzer: Analyzer
) -> ParsedQuery:
    """Return the query with the words of some units (by position) replaced, and its text."""
    units = list(parsed.units)
    for i, words in corrections.items():
        terms = tuple(t.text for t in analyzer(" ".join(words), mode="query"))
        units[i] = Unit(words, terms, phrase=units[i].phrase)
    shown = " ".join(f'"{" ".join(u.words)}"' if u.phrase else " ".join(u.words) for u in units)
    prefix = parsed.prefix if len(units) - 1 not in corrections else None
    return ParsedQuery(shown, tuple(units), prefix)


def prefix_forms(prefix: str) -> list[str]:
    """Return the prefix and its British form, so "organiz" also completes "organisation"."""
    forms = [prefix, canonical_spelling(prefix)]
    if len(prefix) >= 4:
        forms.append(re.sub(r"([iy])z", r"\1s", prefix))
    return list(dict.fromkeys(forms))


def completions(
    reader, vocabulary: Vocabulary, analyzer: Analyzer, prefix: str
) -> tuple[tuple[str, str], ...]:
    """Return the (field, term) pairs the word being typed may complete to.

    Title and tags terms are taken as indexed (from the Whoosh reader); body terms come from
    the most frequent real words of the vocabulary with the prefix, analysed, so
    "therapeuti" still reaches the stem "therapeut". Each field is capped, most frequent
    first.
    """
    forms = prefix_forms(prefix)

    def most_frequent(lookup: Callable[[int, str], Iterable[tuple]], limit: int) -> list[str]:
        found = [pair for form in forms for pair in lookup(limit, form)]
        top = [term for _, term in nlargest(limit, found)]
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in top]

    def in_reader(field: str) -> Callable[[int, str], Iterable[tuple]]:
        return partial(reader.most_frequent_terms, field)

    pairs = {
        ("title", t): None for t in most_frequent(in_reader("title"), tuning.TITLE_COMPLETIONS)
    }
    pairs |= {("tags", t): None for t in most_frequent(in_reader("tags"), tuning.TAG_COMPLETIONS)}
    # A short prefix is a passing state while typing and its words are the commonest, with
    # the longest postings: it completes to fewer of them.
    limit = min(tuning.MAX_COMPLETIONS, tuning.COMPLETIONS_PER_LETTER * len(prefix))
    for word in most_frequent(vocabulary.most_frequent, limit):
        pairs |= {("body", token.text): None for token in analyzer(word, mode="query")}
    return tuple(pairs)


def correction(vocabulary: Vocabulary, word: str) -> tuple[str, bool] | None:
    """Return the real word of the articles a typed word most likely meant, and whether
    that guess is confident; None for a word that needs no correction or has none near.

    A word is corrected only when no article holds it and it is no English word
    ("mourning" is never turned into "morning"), within the typo budget of its length.
    """
    word = word.translate(accent_map)  # as the vocabulary stores it
    budget = spelling.typo_budget(word)
    if not budget or len(word) > MAX_CORRECTED_WORD or not word.isalpha() or is_filler(word):
        return None
    if vocabulary.doc_frequency(word) or spelling.english().knows(word):
        return None
    # The first letter is taken as typed; two neighbouring letters swapped count as one slip.
    candidates = set()
    for distance in range(1, budget + 1):
        candidates |= vocabulary.within(word, distance, prefix=1)
    candidates |= {w for w in spelling.swaps(word, first=1) if vocabulary.doc_frequency(w)}
    candidates.discard(word)
    if not candidates:
        return None
    # Equally near, the likelier slip wins over the commoner word: "worying" is "worrying"
    # with an r dropped, not "working" with a y for a k.
    ranked = sorted(
        (
            spelling.distance(word, w, budget),
            not spelling.likeliest_slip(word, w),
            -vocabulary.doc_frequency(w),
            w,
        )
        for w in candidates
    )
    best = ranked[0]
    if len(ranked) == 1:
        return best[-1], True
    runner_up = ranked[1]
    nearer_or_likelier = best[:2] < runner_up[:2]
    commoner = -best[2] >= 2 * -runner_up[2]
    return best[-1], nearer_or_likelier or commoner


# A word typed without its spaces ("panicattacks", "lowmood") is read as two to four words,
# each of two letters or more, when it is no word itself and no slip of one.
GLUED_FROM = 6
MOST_GLUED = 4


def split_word(vocabulary: Vocabulary, word: str) -> tuple[str, ...] | None:
    """Return the words a word typed without its spaces stands for, the articles' words
    among them ("panicattacks": "panic", "attacks"); None for a word that is one itself.

    Each part is a word of the articles or an English word ("lostmymum": "lost", "my",
    "mum"), at least one of them the articles'; of the readings in the fewest words, the
    one with most of the articles' words wins, then the one whose first word is longest.
    """
    word = word.translate(accent_map)
    if not GLUED_FROM <= len(word) <= MAX_CORRECTED_WORD or not word.isalpha():
        return None
    if vocabulary.doc_frequency(word) or spelling.english().knows(word):
        return None

    def is_part(part: str) -> bool:
        return bool(vocabulary.doc_frequency(part)) or spelling.english().knows(part)

    readings = spelling.split_glued(word, is_part, MOST_GLUED, shortest=2)
    scored = [(sum(bool(vocabulary.doc_frequency(p)) for p in r), len(r[0]), r) for r in readings]
    best = max(scored, default=None)
    return best[2] if best and best[0] else None


def _unit_query(unit: Unit) -> wq.Query | None:
    # Each term may match in any field; a phrase must match within one field.
    if unit.phrase and len(unit.terms) > 1:
        found: list[wq.Query] = [wq.Phrase(field, list(unit.terms)) for field in FIELDS]
    else:
        found = [wq.Term(field, term) for term in unit.terms for field in FIELDS]
    found += [wq.Term(field, term) for term in unit.alternatives for field in FIELDS]
    if not found:
        return None
    return found[0] if len(found) == 1 else wq.Or(found)


def groups(
    parsed: ParsedQuery, completions: Callable[[str], Iterable[tuple[str, str]]]
) -> list[wq.Query]:
    """Return one Whoosh query per unit that counts (see `ParsedQuery.meaning`).

    Documents are ranked by their score times the share of groups they match (see
    `ranking.Ranker.rank`). The word being typed also matches the (field, term) pairs
    `completions` returns for it: a bounded list, because a short prefix expanded over a
    whole vocabulary is what makes as-you-type slow.
    """
    meaning = parsed.meaning
    found = []
    for unit in meaning:
        q = _unit_query(unit)
        if parsed.prefix and unit is parsed.units[-1]:
            alternatives = [q] if q is not None else []
            alternatives += [wq.Term(field, term) for field, term in completions(parsed.prefix)]
            q = wq.Or(alternatives) if alternatives else None
        if q is not None:
            found.append(q)
    return found


def near_pairs(parsed: ParsedQuery) -> list[tuple[str, str]]:
    """Return the pairs of one-term units typed next to each other (filler between them
    aside): documents where they also stand close rank higher."""
    singles = [u.terms[0] if len(u.terms) == 1 and not u.alternatives else None
               for u in parsed.meaning]  # fmt: skip
    return [(a, b) for a, b in zip(singles, singles[1:], strict=False) if a and b and a != b]
