"""Words to index terms, the same for articles and for visitors' searches.

Stemming, British/American spelling families, accents folded, filler words named; a
cached analyzer so each distinct word is analysed once.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

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

# Longer "words" are noise (pasted URLs, keyboard mashing) and cost Whoosh for nothing.
MAX_WORD = 40

# Only `\w` runs are words, at index and query time alike, so `*`, `?`, `:` and friends
# never reach Whoosh (its default pattern keeps a leading `*`: `*args` -> `*arg`).
WORD = re.compile(r"\w+")


QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
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


# One word cache per distinct chain in this process, shared by every analyzer made with it:
# each opened index unpickles its own analyzer, and an index update or the preview opens one
# index after another, so a cache per analyzer would stem the same words again each time.
_WORD_CACHES: list[tuple[Analyzer, dict[str, str | None]]] = []
_WORD_CACHES_LOCK = threading.Lock()


def _word_cache(chain: Analyzer) -> dict[str, str | None]:
    with _WORD_CACHES_LOCK:
        for known, cache in _WORD_CACHES:
            if known == chain:
                return cache
        cache: dict[str, str | None] = {}
        _WORD_CACHES.append((chain, cache))
        return cache


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
        self._terms = _word_cache(chain)

    def __getstate__(self) -> dict:
        # The schema is pickled into the index: the cache stays out of it.
        return {"chain": self.chain}

    def __setstate__(self, state: dict) -> None:
        self.chain = state["chain"]
        self._terms = _word_cache(self.chain)

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

    def counts(self, value: str, words: Mapping[str, int] | None = None) -> dict[str, int]:
        """Return how often each term occurs in the text (what the chain would count);
        `words`, when given, is the text's `word_counts`, already made."""
        found: dict[str, int] = {}
        terms = self._terms
        for word, count in (self.word_counts(value) if words is None else words).items():
            term = terms[word] if word in terms else self.term(word)
            if term is not None:
                found[term] = found.get(term, 0) + count
        return found

    @staticmethod
    def word_counts(value: str) -> Counter[str]:
        """Return how often each word occurs in the text, as written."""
        return Counter(WORD.findall(value))  # C speed for repeats

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
    think going gonna ok okay hi hello hey um erm anyway anyways thanks basically actually
    literally honestly totally"""


FILLER = frozenset(_FILLER_WORDS.split()) | STOP_WORDS


# How people soften a question before asking it ("sorry if this is a daft question, I was
# wondering"): no topic of their own, so, in a search, filler too. Articles use some of
# them as ordinary words, so they stay among the words that describe an article.
_HEDGE_WORDS = """sorry daft silly question suppose supposed asking wondering wondered wonder
    meant itll probably maybe perhaps bit tbh idk lol hiya yeah sure guess because cos coz
    cuz quite rather though although"""


QUERY_FILLER = FILLER | frozenset(_HEDGE_WORDS.split())


def is_filler(word: str) -> bool:
    """Say whether a typed word carries no meaning of its own in a search."""
    return word.replace("'", "").translate(accent_map) in QUERY_FILLER
