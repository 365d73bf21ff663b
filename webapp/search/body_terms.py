"""What related scoring reads from the index: body statistics and postings, read once and
shared, each article's key terms, and the words an article writes for them.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from operator import neg

from webapp.search import analysis, ranking, spelling, tuning, vocabulary


class BodyStats:
    """Body-field statistics and postings of one index, each read once, for related scoring.

    The statistics are those of the live articles (from BODY_TERMS), not Whoosh's, which
    still count a deleted or replaced document until its segment is merged away: so an
    update scores related articles as a rebuild of the same content would. `public` names
    the articles a related list may name (not drafts, not pages).
    """

    def __init__(
        self,
        searcher,
        body_terms: vocabulary.Vocabulary,
        public: frozenset[str],
        bulk: bool = False,
        documents: int | None = None,
    ):
        reader = searcher.reader()
        self.reader = reader
        self.analyzer = searcher.schema["body"].analyzer
        # The articles' count (`documents`), not the index's: its pages are no candidates.
        self.doc_count = reader.doc_count() if documents is None else documents
        # A body's length is its number of terms, so the term counts add up to all of them.
        self.avg_length = body_terms.total_occurrences() / (self.doc_count or 1) or 1.0
        # An index with no documents has no columns at all. Read as a list in one pass:
        # scoring looks names up hundreds of times per article, and a column reader
        # decodes each lookup afresh.
        self.names = list(reader.column_reader("slug")) if reader.has_column("slug") else []
        # The documents that are `public` articles, the only ones a list may name.
        self.public_documents = frozenset(d for d, name in enumerate(self.names) if name in public)
        self._postings: dict[str, dict[int, float]] = {}
        self._lengths_by_segment: dict[int, tuple[object, list[int]]] = {}
        self._champions: dict[str, list[tuple[int, float]]] = {}
        self._champion_documents: dict[str, frozenset[int]] = {}
        self._terms = body_terms
        # Scoring many articles looks up every term many times: a dictionary then pays.
        self._counts = body_terms.as_dict() if bulk else None

    def term(self, term: str) -> tuple[int, int] | None:
        """Return (collection frequency, document frequency), or None if not in any body."""
        if self._counts is not None:
            documents, occurrences = self._counts.get(term, (0, 0))
        else:
            documents, occurrences = self._terms.counts(term)
        return (occurrences, documents) if documents else None

    def postings(self, term: str) -> dict[int, float]:
        """Return {docnum: BM25F score of the term} for every live document holding it.

        What a term scores in a document does not depend on the query, so it is computed
        once per term and shared by every article that has the term among its key terms.
        """
        found = self._postings.get(term)
        if found is None:
            n, avg = self.doc_count, self.avg_length
            k1, b = tuning.BM25_K1, tuning.BM25_B
            idf = math.log(n / (self.term(term)[1] + 1)) + 1
            norm = k1 * (1 - b)
            per_length = k1 * b / avg
            found = {}
            for segment, offset in self.reader.leaf_readers():
                if ("body", term) not in segment:
                    continue
                lengths = self._segment_lengths(segment)
                for ids, weights in ranking.posting_blocks(segment.postings("body", term)):
                    for docnum, tf in zip(ids, weights, strict=True):
                        found[docnum + offset] = idf * (
                            (tf * (k1 + 1)) / (tf + norm + per_length * lengths[docnum])
                        )
            self._postings[term] = found
        return found

    def _segment_lengths(self, segment) -> list[int]:
        key = id(segment)
        cached = self._lengths_by_segment.get(key)
        if cached is None or cached[0] is not segment:
            lengths = ranking.field_lengths(segment, "body", 0)
            cached = self._lengths_by_segment[key] = (segment, lengths)
        return cached[1]

    def champions(self, term: str) -> list[tuple[int, float]]:
        """Return the `tuning.MLT_POSTINGS` documents the term scores highest in (all, if fewer).

        Candidates are gathered from these alone: a document can only reach the top
        MLT_CANDIDATES by scoring well for some key term, and capping each term's list keeps
        the work per article constant as the library grows (all postings would make the
        whole build quadratic). Coverage is still counted over all postings.
        """
        found = self._champions.get(term)
        if found is None:
            postings = self.postings(term)
            if len(postings) <= tuning.MLT_POSTINGS:
                found = list(postings.items())
            else:
                # Best score first; among equal scores the lower document number. Plain
                # tuples compare without a key function call per posting.
                best = heapq.nlargest(
                    tuning.MLT_POSTINGS, zip(postings.values(), map(neg, postings), strict=True)
                )
                found = [(-negated, score) for score, negated in best]
            self._champions[term] = found
        return found

    def champion_documents(self, term: str) -> frozenset[int]:
        """Return the document numbers of `champions(term)`."""
        found = self._champion_documents.get(term)
        if found is None:
            found = self._champion_documents[term] = frozenset(d for d, _ in self.champions(term))
        return found


def telling_terms(stats: BodyStats, wording: Wording) -> tuple[list[tuple[str, float]], float]:
    """Return the text's `tuning.KEY_TERMS` most telling body terms, as Whoosh's Bo1 Expander does,
    among the terms that carry meaning (no filler words, and no everyday words the title does
    not use) and that another article has; and the weight of its KEY_TERMS most telling
    terms of all, shared or not."""
    counts = wording.counts()
    n = stats.doc_count or 1
    everyday = _everyday_terms() - wording.title_terms()
    scored = []
    for term, weight in counts.items():
        found = stats.term(term)
        if found is None or term in _FILLER_TERMS or term in everyday:
            continue
        f = found[0] / n
        score = weight * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2)
        scored.append((score, term, found[1] > 1))
    if not scored:
        return [], 0.0
    top = max(score for score, _, _ in scored)
    f = top / n
    norm = (top * math.log((1.0 + f) / f) + math.log(1.0 + f)) / math.log(2.0) or 1.0
    scored.sort(key=lambda x: (-x[0], x[1]))
    overall = sum(score / norm for score, _, _ in scored[: tuning.KEY_TERMS])
    # A term only this article uses cannot find anything: it takes no key-term place.
    shared = [(term, score / norm) for score, term, others in scored if others][: tuning.KEY_TERMS]
    return shared, overall


# Filler words as the body analyzer makes them (stemmed), to leave out of key terms.
_FILLER_TERMS = frozenset(
    t.text for word in analysis.FILLER for t in analysis.text_analyzer()(word, mode="query")
)


@cache
def _everyday_terms() -> frozenset[str]:
    """The terms of English's most used words, as the body analyzer makes them."""
    analyzer = analysis.text_analyzer()
    words = spelling.everyday_words()
    return frozenset(t.text for word in words for t in analyzer(word, mode="query"))


class Wording:
    """An article's text as related scoring reads it (its first line is its title): its
    words counted once, for the counts of its terms and for the word it most often writes
    each term as."""

    def __init__(self, analyzer, text: str):
        self._analyzer = analyzer
        self._text = text
        cached = isinstance(analyzer, analysis.CachedWordAnalyzer)
        self._words = analyzer.word_counts(text) if cached else None

    def counts(self) -> Mapping[str, int]:
        """Return how often each term occurs in the text."""
        if self._words is not None:
            return self._analyzer.counts(self._text, self._words)
        return Counter(t.text for t in self._analyzer(self._text, mode="index"))

    def title_terms(self) -> frozenset[str]:
        """Return the terms of the text's first line, its title."""
        title = self._text.split("\n", 1)[0]
        return frozenset(t.text for t in self._analyzer(title, mode="query"))

    def surface_words(self, terms: Iterable[str]) -> dict[str, str]:
        """Return the word (in lower case) the text most often writes each of `terms` as."""
        if self._words is None:
            return {}
        wanted, term_of = frozenset(terms), self._analyzer.term
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for word, count in self._words.items():
            if (found := term_of(word)) in wanted:
                seen[found][word.lower()] += count
        return {term: words.most_common(1)[0][0] for term, words in seen.items()}
