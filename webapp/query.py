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

from . import spelling

if TYPE_CHECKING:  # vocabulary.py uses this module's word analysis
    from .vocabulary import Vocabulary

# Every text field takes part in every term: a word may match title OR summary OR body OR tags.
FIELDS = ("title", "summary", "body", "tags", "headings")
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
# Both spellings are mapped to one before stemming, at index and query time alike, so it
# only matters that the mapping is consistent and never merges two different words: mostly
# the British one (the site is en-GB), but -ise words take -ize, the form the Porter stemmer
# knows: mapped the other way, "traumatized" became "traumatis", a stem nothing else has.
# ("trauma" itself meets them through the synonyms file: no stemmer joins those.)
# Families with many members use a guarded rule; the rest are explicit lists, because a
# blind rule would also turn "for", "door", "motor" or "error" into "-our".
_ISE = re.compile(r"^(\w{3,})([iy])s(e|es|ed|ing|er|ers|ation|ations|ational|able)$")
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
    return _ISE.sub(r"\1\2z\3", word)


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

# Words that carry no meaning of their own in a search: they never have to match, never
# earn a title's weight, and are never completed as the word being typed. "No" is not
# among them: "saying no" means something.
_FILLER_WORDS = """a about after again all also am an and any anyone anything are as at be
    been being but by can could did do does doing done dont else even ever every for from get gets
    getting got had has have having he her here hers him his how i id if im in into is it
    its ive just let lets like lot lots me might mine more much must my myself of off on
    one or our out over please really she should so some someone something still such
    than that thats the their them then there these they thing things this those to too
    up us very want wanna wants was way ways we well were what whats when where which while
    who whom whose why will with would yet you youre your yours cant cannot wont didnt
    doesnt isnt arent wasnt havent couldnt shouldnt wouldnt feel feeling feels felt know
    think going gonna"""
FILLER = frozenset(_FILLER_WORDS.split()) | STOP_WORDS
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
    def term_count(self) -> int:
        """Return how many index terms (plus the prefix) this query will look up."""
        found = sum(len(u.terms) + len(u.alternatives) for u in self.units)
        return found + (1 if self.prefix else 0)

    @property
    def meaning(self) -> tuple[Unit, ...]:
        """Return the units that must count: all but filler, unless filler is all there is."""
        found = tuple(u for u in self.units if not u.filler and (u.terms or u.alternatives))
        return found or tuple(u for u in self.units if u.terms)


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


def is_filler(word: str) -> bool:
    """Say whether a typed word carries no meaning of its own in a search."""
    return word.replace("'", "").translate(accent_map) in FILLER


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
        for group in [words] if index % 2 and words else [(w,) for w in words]:
            if budget <= 0:
                break
            terms = tuple(t.text for t in analyzer(" ".join(group), mode="query"))[:budget]
            filler = len(group) == 1 and is_filler(group[0])
            units.append(Unit(group, terms, phrase=len(group) > 1, filler=filler))
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
    article words' terms, so "passed away" counts once, as grief does.
    """
    singles = [i for i, u in enumerate(parsed.units) if not u.phrase]
    if not singles:
        return parsed
    words = [parsed.units[i].words[0].replace("'", "") for i in singles]
    units = list(parsed.units)
    taken: set[int] = set()
    for first, after, meaning in sorted(spans(words), key=lambda s: (s[0], -s[1])):
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

    pairs = {("title", t): None for t in most_frequent(in_reader("title"), TITLE_COMPLETIONS)}
    pairs |= {("tags", t): None for t in most_frequent(in_reader("tags"), TAG_COMPLETIONS)}
    # A short prefix is a passing state while typing and its words are the commonest, with
    # the longest postings: it completes to fewer of them (10 for two letters, 5 more per
    # letter after, up to MAX_COMPLETIONS).
    limit = min(MAX_COMPLETIONS, 5 * len(prefix))
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
    candidates |= {w for w in _swapped(word) if vocabulary.doc_frequency(w)}
    candidates.discard(word)
    if not candidates:
        return None
    ranked = sorted(
        candidates,
        key=lambda w: (spelling.distance(word, w, budget), -vocabulary.doc_frequency(w), w),
    )
    best = ranked[0]
    if len(ranked) == 1:
        return best, True
    runner_up = ranked[1]
    nearer = spelling.distance(word, best, budget) < spelling.distance(word, runner_up, budget)
    commoner = vocabulary.doc_frequency(best) >= 2 * vocabulary.doc_frequency(runner_up)
    return best, nearer or commoner


def _swapped(word: str) -> set[str]:
    """Return the word with each pair of neighbouring letters swapped, the first kept."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}


# --- parsed query -> Whoosh queries -------------------------------------------------------


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
