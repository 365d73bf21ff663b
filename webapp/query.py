"""Turn what a visitor types into a Whoosh query that cannot fail, and the word analysis
that the index and queries share (stemming, British and American spellings meeting).

No Flask here. Whoosh readers and the index's vocabulary of real words come in from
`search.py`, which owns opening the index: this module only reads terms from them
(completions of the word being typed, "Did you mean").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from heapq import nlargest
from typing import TYPE_CHECKING

from whoosh import query as wq
from whoosh.analysis import (
    STOP_WORDS,
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

if TYPE_CHECKING:  # vocabulary.py uses this module's word analysis
    from .vocabulary import Vocabulary

# Every text field takes part in every term: a word may match title OR summary OR body OR tags.
FIELDS = ("title", "summary", "body", "tags")
MAX_TERMS = 12
MIN_PREFIX = 2
# The word being typed completes to at most this many of its most frequent words in the body
# (and terms in titles and tags): a short prefix over a large vocabulary is what makes
# as-you-type slow.
MAX_COMPLETIONS = 25
TITLE_COMPLETIONS = 15
TAG_COMPLETIONS = 5
# "Did you mean": only words of a sensible length are corrected (a Levenshtein automaton
# over a 200-letter "word" is expensive), and the first letter is taken as right.
MAX_CORRECTED_WORD = 24
# Longer "words" are noise (pasted URLs, keyboard mashing) and cost Whoosh for nothing.
MAX_WORD = 40
# Only `\w` runs are words, at index and query time alike, so `*`, `?`, `:` and friends
# never reach Whoosh (its default pattern keeps a leading `*`: `*args` -> `*arg`).
WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                         "\u00bb": '"', "\u2018": "'", "\u2019": "'"})  # fmt: skip

# --- British and American spellings ------------------------------------------------------
# Both spellings are mapped to the British one (the site is en-GB) before stemming, at index
# and query time alike, so it only matters that the mapping is consistent and never merges
# two different words. Families with many members use a guarded rule; the rest are explicit
# lists, because a blind rule would also turn "for", "door", "motor" or "error" into "-our".
_IZE = re.compile(r"^(\w{3,})([iy])z(e|es|ed|ing|er|ers|ation|ations|ational|able)$")
_OUR = """behavior color favor honor neighbor humor labor rumor harbor endeavor flavor savior
    savor parlor vapor valor vigor rigor clamor candor ardor armor odor splendor tumor
    demeanor fervor arbor succor glamor"""
_OUR_ENDINGS = ("", "s", "ed", "ing", "al", "ally", "ist", "ists", "ism", "ful", "fully", "less",
                "able", "ably", "ite", "ites", "hood", "hoods", "ly", "er", "ers", "y")  # fmt: skip
_OGUE = "catalog dialog monolog analog prolog epilog travelog demagog pedagog synagog"
_DOUBLE_L = """counsel travel model label cancel fuel signal marvel level total tunnel quarrel
    equal rival channel duel jewel dial libel panel pedal shovel spiral grovel unravel initial"""
_PAIRS = """fulfill fulfil fulfills fulfils fulfillment fulfilment fulfillments fulfilments
    enroll enrol enrolls enrols enrollment enrolment enrollments enrolments skillful skilful
    skillfully skilfully willful wilful willfully wilfully instill instil instills instils
    installment instalment installments instalments distill distil distills distils
    counselor counsellor counselors counsellors marvelous marvellous marvelously marvellously
    jewelry jewellery defense defence defenses defences defenseless defenceless offense offence
    offenses offences pretense pretence license licence licenses licences practise practice
    practises practices practised practiced practising practicing center centre centers centres
    centered centred centering centring fiber fibre fibers fibres meter metre meters metres
    liter litre liters litres theater theatre theaters theatres somber sombre caliber calibre
    luster lustre specter spectre maneuver manoeuvre maneuvers manoeuvres program programme
    programs programmes mold mould molds moulds moldy mouldy molded moulded molding moulding
    smolder smoulder smoldering smouldering gray grey grays greys grayish greyish
    pediatric paediatric pediatrics paediatrics pediatrician paediatrician
    pediatricians paediatricians anemia anaemia anemic anaemic estrogen oestrogen
    esthetic aesthetic esthetics aesthetics anesthesia anaesthesia anesthetic anaesthetic
    anesthetics anaesthetics orthopedic orthopaedic encyclopedia encyclopaedia
    hemorrhage haemorrhage hemoglobin haemoglobin leukemia leukaemia edema oedema
    esophagus oesophagus diarrhea diarrhoea gynecology gynaecology gynecologist gynaecologist
    hematology haematology fetus foetus fetal foetal judgment judgement judgments judgements
    acknowledgment acknowledgement aging ageing cozy cosy skeptic sceptic skeptical sceptical
    skepticism scepticism pajamas pyjamas plow plough mom mum moms mums amongst among
    learnt learned spelt spelled dreamt dreamed burnt burned leant leaned spoilt spoiled"""
_PREFIXES = ("un", "dis", "mis", "multi", "non", "over", "under", "re")


def _spelling_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for root in _OUR.split():
        for end in _OUR_ENDINGS:
            table[root + end] = root[:-2] + "our" + end
    for root in _OGUE.split():
        table |= {root: root + "ue", root + "s": root + "ues",
                  root + "ed": root + "ued", root + "ing": root + "uing"}  # fmt: skip
    for root in _DOUBLE_L.split():
        for end in ("ed", "ing", "er", "ers"):
            table[root + end] = root + "l" + end
    words = _PAIRS.split()
    table |= dict(zip(words[::2], words[1::2], strict=True))
    return table


SPELLINGS = _spelling_table()


@lru_cache(maxsize=65536)  # called for every token indexed; words repeat a great deal
def canonical_spelling(word: str) -> str:
    """Return the one spelling both British and American forms of a lowercase word share."""
    if word in SPELLINGS:
        return SPELLINGS[word]
    for prefix in _PREFIXES:
        if word.startswith(prefix) and word[len(prefix) :] in SPELLINGS:
            return prefix + SPELLINGS[word[len(prefix) :]]
    return _IZE.sub(r"\1\2s\3", word)


class SpellingFilter(Filter):
    """Map each token to its canonical spelling (see `canonical_spelling`)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = canonical_spelling(token.text)
            yield token


class CachedWordAnalyzer(Analyzer):
    """A filter chain that works word by word, run once per distinct word when indexing.

    Every filter in our chains maps one `\\w+` word to at most one term, whatever its
    neighbours, so indexing can tokenize with the regex alone and look each word up in a
    cache filled by running the chain on that word: the same terms, positions and
    characters as the chain gives, at a fraction of the cost (the chain's six generator
    stages per token were most of the indexing time). Indexing (`search.FastText`) asks
    for `counts` or `occurrences`; calling the analyzer (queries, highlighting, anything
    else) runs the chain itself.
    """

    def __init__(self, chain: Analyzer):
        self.chain = chain
        self._terms: dict[str, str | None] = {}

    def __getstate__(self) -> dict:
        # The schema is pickled into the index: the cache stays out of it.
        return {"chain": self.chain}

    def __setstate__(self, state: dict) -> None:
        self.chain = state["chain"]
        self._terms = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CachedWordAnalyzer) and self.chain == other.chain

    def __hash__(self) -> int:
        return hash(type(self))

    def term(self, word: str) -> str | None:
        """Return the term the chain makes of one word, or None when it drops it."""
        terms = self._terms
        if word not in terms:
            if len(terms) > 500_000:  # bounded: pasted junk could otherwise grow it
                terms.clear()
            found = [t.text for t in self.chain(word, mode="index")]
            terms[word] = found[0] if len(found) == 1 else None
        return terms[word]

    def counts(self, value: str) -> dict[str, int]:
        """Return how often each term occurs in the text (what the chain would count)."""
        found: dict[str, int] = {}
        terms = self._terms
        for word, count in Counter(WORD.findall(value)).items():  # C speed for repeats
            term = terms[word] if word in terms else self.term(word)
            if term is not None:
                found[term] = found.get(term, 0) + count
        return found

    def occurrences(self, value: str) -> dict[str, list[tuple[int, int, int]]]:
        """Return each term's (position, start char, end char) list, as indexing records it."""
        found: dict[str, list[tuple[int, int, int]]] = {}
        terms = self._terms
        position = None
        for number, match in enumerate(WORD.finditer(value)):
            word = match.group()
            term = terms[word] if word in terms else self.term(word)
            if term is None:
                continue
            position = number if position is None else position + 1
            start, end = match.span()
            if term in found:
                found[term].append((position, start, end))
            else:
                found[term] = [(position, start, end)]
        return found

    def __call__(self, value, **kwargs):
        """Run the chain itself: token by token, as Whoosh asks of any analyzer."""
        return self.chain(value, **kwargs)


def text_analyzer() -> Analyzer:
    """Return the stemming analyzer used for title, summary, body and tags."""
    return CachedWordAnalyzer(
        RegexTokenizer(WORD)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | SpellingFilter()
        | StopFilter(minsize=2, maxsize=MAX_WORD)
        | StemFilter(cachesize=50000)
    )


def word_analyzer() -> Analyzer:
    """Return the analyzer for real, unstemmed words (suggestions and completions)."""
    return CachedWordAnalyzer(
        RegexTokenizer(WORD)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(minsize=2, maxsize=MAX_WORD)
    )


# --- visitor text -> parsed query ---------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A word or a quoted phrase as typed, with the index terms it analyses to."""

    words: tuple[str, ...]
    terms: tuple[str, ...]
    phrase: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """Visitor text made safe: what to show back, the units to match, the word being typed."""

    shown: str
    units: tuple[Unit, ...]
    prefix: str | None = None

    @property
    def term_count(self) -> int:
        """Return how many index terms (plus the prefix) this query will look up."""
        return sum(len(u.terms) for u in self.units) + (1 if self.prefix else 0)


def clean(text: object, max_length: int) -> str:
    """Cap the text's length, then drop control characters and lone surrogates."""
    # Lone surrogates cannot even be encoded; control and format characters are never words.
    if not isinstance(text, str):
        return ""
    limit = max(0, max_length)
    text = "".join(_keep(ch) for ch in text[:limit])
    # NFKC folds look-alikes (fullwidth letters, ligatures) but can lengthen text: cap again.
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)[:limit]


def _keep(ch: str) -> str:
    category = unicodedata.category(ch)
    if category[0] != "C":
        return ch
    return "" if category == "Cf" else " "  # zero-width joiners sit inside words


def parse(text: object, analyzer: Analyzer, max_length: int = 200) -> ParsedQuery:
    """Split visitor text into words and balanced-quote phrases; nothing in it is syntax."""
    cleaned = clean(text, max_length)
    parts = cleaned.split('"')
    if len(parts) % 2 == 0:  # an odd number of quotes: the last one is ignored
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    units: list[Unit] = []
    budget = MAX_TERMS
    for index, part in enumerate(parts):
        words = tuple(w.lower() for w in WORD.findall(part))
        for group in [words] if index % 2 and words else [(w,) for w in words]:
            if budget <= 0:
                break
            terms = tuple(t.text for t in analyzer(" ".join(group), mode="query"))[:budget]
            units.append(Unit(group, terms, phrase=len(group) > 1))
            budget -= len(terms)
    last = units[-1] if units else None
    prefix = None
    # The word being typed: the text ends inside it (not after a space, quote or
    # punctuation) and it was not cut by the term budget. A stop word ("an", "the") is only
    # completed when it is the whole query, else "anxiety and" would demand "and*" words.
    if (
        last
        and not last.phrase
        and WORD.fullmatch(cleaned[-1:])
        and WORD.findall(cleaned)[-1].lower() == last.words[0]
        and MIN_PREFIX <= len(last.words[0]) <= MAX_WORD
        and (last.terms or len(units) == 1)
    ):
        prefix = last.words[0].translate(accent_map) or None
    # A trailing space is kept: it says the last word is finished, so a pagination link
    # built from `shown` asks for exactly the same results.
    shown = " ".join(cleaned.split())
    if shown and cleaned[-1:].isspace():
        shown += " "
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

    pairs = {("title", t): None for t in most_frequent(in_reader("title"), TITLE_COMPLETIONS)}
    pairs |= {("tags", t): None for t in most_frequent(in_reader("tags"), TAG_COMPLETIONS)}
    # A short prefix is a passing state while typing and its words are the commonest, with
    # the longest postings: it completes to fewer of them (10 for two letters, 5 more per
    # letter after, up to MAX_COMPLETIONS).
    limit = min(MAX_COMPLETIONS, 5 * len(prefix))
    for word in most_frequent(vocabulary.most_frequent, limit):
        pairs |= {("body", token.text): None for token in analyzer(word, mode="query")}
    return tuple(pairs)


def suggest(vocabulary: Vocabulary, parsed: ParsedQuery) -> str | None:
    """Return the query with unknown words replaced by the nearest real words, or None."""
    changed = False
    shown = []
    for unit in parsed.units:
        words = []
        for word in unit.words:
            better = _correct(vocabulary, word) if unit.terms else None
            changed |= better is not None
            words.append(better or word)
        shown.append(f'"{" ".join(words)}"' if unit.phrase else words[0])
    return " ".join(shown) if changed else None


def _correct(vocabulary: Vocabulary, word: str) -> str | None:
    word = word.translate(accent_map)  # as the vocabulary stores it
    if not 3 <= len(word) <= MAX_CORRECTED_WORD or word.isdigit() or word in STOP_WORDS:
        return None
    if vocabulary.doc_frequency(word):
        return None
    # Nearest first, then the most common; the first letter is taken as typed.
    for distance in (1, 2) if len(word) > 4 else (1,):
        candidates = vocabulary.within(word, distance, prefix=1) - {word}
        if distance == 1:
            # Two neighbouring letters swapped ("bnod") is one slip, though two edits.
            candidates |= {w for w in _swapped(word) if vocabulary.doc_frequency(w)}
        if candidates:
            return min(candidates, key=lambda w: (-vocabulary.doc_frequency(w), w))
    return None


def _swapped(word: str) -> set[str]:
    """Return the word with each pair of neighbouring letters swapped, the first kept."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}


# --- parsed query -> Whoosh query ---------------------------------------------------------


def _unit_query(unit: Unit) -> wq.Query | None:
    # Each term may match in any field; a phrase must match within one field.
    if not unit.terms:
        return None
    if len(unit.terms) == 1:
        return wq.Or([wq.Term(field, unit.terms[0]) for field in FIELDS])
    return wq.Or([wq.Phrase(field, list(unit.terms)) for field in FIELDS])


def build(
    parsed: ParsedQuery,
    completions: Callable[[str], Iterable[tuple[str, str]]],
    match_all: bool = True,
) -> wq.Query | None:
    """Return the Whoosh query for a parsed query, or None when nothing is left to search.

    Units are ANDed (or ORed when `match_all` is False). The word being typed also matches
    the (field, term) pairs `completions` returns for it: a bounded list, because a short
    prefix expanded over a whole vocabulary is what makes as-you-type slow.
    """
    groups = [_unit_query(unit) for unit in parsed.units]
    if parsed.prefix:
        alternatives = [groups[-1]] if groups[-1] else []
        alternatives += [wq.Term(field, term) for field, term in completions(parsed.prefix)]
        groups[-1] = wq.Or(alternatives) if alternatives else None
    groups = [g for g in groups if g is not None]
    if not groups:
        return None
    if len(groups) == 1:
        return groups[0]
    return wq.And(groups) if match_all else wq.Or(groups)
