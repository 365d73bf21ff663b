"""Search an open index: results with highlights, "Did you mean …?" and completions."""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from whoosh import scoring
from whoosh.searching import Results

from webapp.model import Topic, topic_for
from webapp.search import crisis_model, query, ranking, segment_files, spelling, tuning, vocabulary
from webapp.search.indexing import ARTICLE, PAGE, PAGE_KEY, TAG_SEPARATOR
from webapp.search.snippets import SUMMARY_HIGHLIGHTER, body_snippets


@dataclass(frozen=True)
class Hit:
    """One search result as the results page shows it."""

    slug: str
    title: str
    summary: str
    snippet_html: str
    topics: tuple[Topic, ...]
    date: dt.date | None  # None for a page
    kind: str = ARTICLE  # ARTICLE or PAGE

    @property
    def is_page(self) -> bool:
        """Say whether the hit is one of the practice's pages rather than an article."""
        return self.kind == PAGE


@dataclass(frozen=True)
class SearchResults:
    """One page of results, with what is needed to page through them or suggest a spelling."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    pages: int
    suggestion: str | None  # "Did you mean": a guess not sure enough to act on
    corrected: str | None = None  # what was searched instead of a misspelt query
    # Words of the search that nothing indexed holds, when the hits match the others.
    missing: tuple[str, ...] = ()


# How many of the most frequent words `SearchIndex.warm` searches, each also as typed.
WARM_WORDS = 40
# How many of the completions the serving index used last `SearchIndex.warm` computes again in
# a new one (it computes again every score table the serving index keeps).
WARM_RECENT_PREFIXES = 300
# Completions kept per open index.
MAX_CACHED_COMPLETIONS = 1024
MAX_CACHED_CORRECTIONS = 4096


class SearchIndex:
    """An open index with one searcher, shared by all requests until closed."""

    def __init__(self, directory: Path):
        # First: a vocabulary that fails to load then leaves no Whoosh files open.
        self._vocabulary = vocabulary.read(Path(directory) / vocabulary.FILE)
        self._index = segment_files.open_dir(directory)
        self._searcher = self._index.searcher(
            weighting=scoring.BM25F(B=tuning.BM25_B, K1=tuning.BM25_K1)
        )
        self._analyzer = self._searcher.schema["body"].analyzer
        self._lock = threading.Lock()  # the dev server is threaded; a searcher is not
        self._ranker = ranking.Ranker(self._searcher, query.FIELDS)
        self._pages = sum(1 for _ in self._searcher.document_numbers(kind=PAGE))
        # The index behind a searcher never changes (a new index is a new directory), so
        # completions can be cached for its lifetime.
        self._completed: OrderedDict[str, list] = OrderedDict()
        # Likewise the correction of a word: each is looked up as every letter is typed.
        self._correction = lru_cache(maxsize=MAX_CACHED_CORRECTIONS)(
            partial(query.correction, self._vocabulary)
        )

    def search(
        self,
        text: str,
        page: int = 1,
        page_size: int = 10,
        max_length: int = 200,
        synonyms: Callable[[list[str]], list[tuple[int, int, tuple[str, ...]]]] | None = None,
        correct: bool = True,
        lead: Iterable[str] = (),
    ) -> SearchResults:
        """Return one page of results for visitor text, which is never treated as syntax.

        `synonyms(words)` joins everyday words to the articles' (see `query.with_synonyms`);
        with `correct`, a misspelt word is searched as the word it most likely meant, and
        the results say so; the `lead` slugs (crisis support) come first, in that order.
        """
        page_size = max(1, page_size)
        with self._lock:
            parsed = self._read(text, synonyms, max_length)
            typed = parsed.shown
            spaced = self._spaced(parsed) if correct else None
            if spaced is not None:
                parsed = self._read(spaced, synonyms, max(max_length, len(spaced)))
            searched, suggestion = parsed, None
            corrected = parsed.shown if spaced is not None else None
            sure, unsure = self._corrections(parsed) if correct else ({}, {})
            if sure:
                searched = query.with_corrections(parsed, sure | unsure, self._analyzer)
                corrected = searched.shown
                if synonyms is not None:
                    # The synonyms saw only the words as typed: "peple pleasing" is about
                    # saying no once it reads "people". A trailing space keeps a finished
                    # last word finished.
                    again = corrected if searched.prefix else corrected + " "
                    searched = self._read(again, synonyms, max(max_length, len(again)))
            groups = query.groups(searched, self._completions)
            leading = [d for slug in dict.fromkeys(lead)
                       if (d := self._searcher.document_number(slug=slug)) is not None]  # fmt: skip
            if not groups and not leading:
                return SearchResults(typed, [], 0, 1, 0, None, corrected)
            # Pages past the end are clamped; the ranker scores every match either way, and
            # only the hits up to the wanted page are sorted.
            wanted = min(max(1, page), 1 + self._searcher.doc_count() // page_size)
            ranked, total = self._ranker.rank(
                groups, limit=wanted * page_size + len(leading), near=query.near_pairs(searched)
            )
            if not total and unsure and corrected is None:
                suggestion = query.with_corrections(parsed, unsure, self._analyzer).shown
            led = set(leading)
            order = leading + [hit.docnum for hit in ranked if hit.docnum not in led]
            # Counted once, whether or not they are among the hits ranked for this page.
            total += len(led - self._ranker.matching(groups, led))
            pages = math.ceil(total / page_size)
            page = min(wanted, pages) or 1
            shown = order[(page - 1) * page_size : page * page_size]
            page_results = Results(self._searcher, ranked.q, [(0.0, d) for d in shown])
            hits = [hit for hit in page_results]  # list() would ask Whoosh for a length
            snippets = body_snippets(self._ranker, groups, hits)
            found = [self._hit(hit, snippets[hit.docnum]) for hit in hits]
            missing = self._missing(searched) if found else ()
            return SearchResults(typed, found, total, page, pages, suggestion, corrected,
                                 missing)  # fmt: skip

    def _read(
        self,
        text: str,
        synonyms: Callable[[list[str]], list[tuple[int, int, tuple[str, ...]]]] | None,
        max_length: int,
    ) -> query.ParsedQuery:
        """Return the text parsed, its everyday wording joined to the articles' words."""
        parsed = query.parse(text, self._analyzer, max_length)
        return parsed if synonyms is None else query.with_synonyms(parsed, synonyms, self._analyzer)

    def _missing(self, parsed: query.ParsedQuery) -> tuple[str, ...]:
        """Return the words of meaning units that nothing indexed holds (none being typed,
        none the synonyms joined to the articles' words), so the results can say that
        they match the other words: "bipolar symptoms" finds "symptoms" alone."""
        last = len(parsed.units) - 1
        return tuple(
            " ".join(unit.words)
            for i, unit in enumerate(parsed.units)
            if not (unit.filler or unit.alternatives or not unit.terms)
            and not (parsed.prefix and i == last)
            and not self._indexed(unit.terms)
        )

    def _indexed(self, terms: Iterable[str]) -> bool:
        """Say whether any of these index terms is in any searched field."""
        reader = self._searcher.reader()
        return any((field, term) in reader for term in terms for field in query.FIELDS)

    def _corrections(
        self, parsed: query.ParsedQuery
    ) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
        """Return the confident and the unsure corrections of the query's misspelt words,
        as each unit's new words, by unit position."""
        sure: dict[int, tuple[str, ...]] = {}
        unsure: dict[int, tuple[str, ...]] = {}
        for i, unit in self._respellable(parsed):
            words = list(unit.words)
            confident = True
            for n, word in enumerate(unit.words):
                if self._indexed(t.text for t in self._analyzer(word, mode="query")):
                    continue  # found as typed, perhaps in another spelling ("counseling")
                found = self._correction(word)
                if found:
                    words[n] = found[0]
                    confident &= found[1]
            if tuple(words) != unit.words:
                (sure if confident else unsure)[i] = tuple(words)
        return sure, unsure

    def _respellable(self, parsed: query.ParsedQuery) -> Iterable[tuple[int, query.Unit]]:
        """Yield (position, unit) for each unit whose words may be read as other words: not
        filler, not joined by a synonym, not the word still being typed that completes."""
        last = len(parsed.units) - 1
        for i, unit in enumerate(parsed.units):
            if unit.filler or unit.alternatives:
                continue
            if parsed.prefix and i == last and self._completions(parsed.prefix):
                continue  # still being typed, and completes to something
            yield i, unit

    def _spaced(self, parsed: query.ParsedQuery) -> str | None:
        """Return the search with its words typed without spaces spaced out ("panicattacks":
        "panic attacks"), or None if it has none. A word the synonyms joined, a word some
        article holds and a slip of one (corrected as such) are left as typed."""
        found: dict[str, str] = {}
        for _, unit in self._respellable(parsed):
            if unit.phrase:
                continue
            word = unit.words[0]
            if self._indexed(t.text for t in self._analyzer(word, mode="query")):
                continue
            if self._correction(word) is not None:
                continue
            parts = query.split_word(self._vocabulary, word)
            if parts:
                found[word] = " ".join(parts)
        if not found:
            return None
        return query.QUERY_WORD.sub(lambda m: found.get(m.group().lower(), m.group()), parsed.shown)

    def _completions(self, prefix: str) -> list:
        found = self._completed.get(prefix)
        if found is None:
            found = query.completions(self._searcher.reader(), self._vocabulary,
                                      self._analyzer, prefix)  # fmt: skip
            self._completed[prefix] = found
            if len(self._completed) > MAX_CACHED_COMPLETIONS:
                self._completed.popitem(last=False)
        else:
            self._completed.move_to_end(prefix)
        return found

    def warm(self, words: int = WARM_WORDS, previous: SearchIndex | None = None) -> None:
        """Search as a new generation's first visitors will, so they do not pay for it: the
        most frequent words of the articles, and each typed as far as its first letters
        (completions); and, given the `previous` index this one replaces, what its visitors
        searched lately: the score tables and completions it used last, computed again here
        from this index (never copied: scores depend on the whole index). A server does this
        before it switches to the generation."""
        # The English word list (typo correction, crisis misspellings) and the crisis model
        # are loaded once per process: here, before a server serves, not in some visitor's
        # first search; not on opening, since pre-rendering pages opens the index and never
        # searches.
        spelling.english()
        crisis_model.model()
        frequent = [word for _, word in self._vocabulary.most_frequent(words)]
        typed = sorted({word[:length] for word in frequent for length in (2, 3)})
        for text in frequent + typed:
            self.search(text, correct=False)
        if previous is None:
            return
        tables, prefixes = previous.recently_searched()
        with self._lock:
            self._ranker.prepare(tables)
            for prefix in reversed(prefixes):
                self._completions(prefix)

    def recently_searched(self) -> tuple[list[ranking.TableKey], list[str]]:
        """Return the keys of the score tables and the prefixes completed that searches
        used last, most recent first (analysed terms, never the text a visitor typed)."""
        with self._lock:
            tables = self._ranker.recent_tables()
            prefixes = list(reversed(self._completed))[:WARM_RECENT_PREFIXES]
        return tables, prefixes

    def doc_count(self) -> int:
        """Return how many articles the index holds (its pages are not counted)."""
        with self._lock:
            return self._searcher.doc_count() - self._pages

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            self._searcher.close()
            self._index.close()

    @staticmethod
    def _hit(hit, snippet: str) -> Hit:
        if not snippet:
            snippet = SUMMARY_HIGHLIGHTER.highlight_hit(hit, "summary", top=1)
        kind = hit.get("kind") or ARTICLE
        return Hit(
            slug=hit["slug"].removeprefix(PAGE_KEY) if kind == PAGE else hit["slug"],
            title=hit["title"],
            summary=hit["summary"],
            snippet_html=snippet,
            topics=tuple(
                topic_for(name) for name in hit.get("tags", "").split(TAG_SEPARATOR) if name
            ),
            date=dt.date.fromisoformat(hit["date"]) if hit.get("date") else None,
            kind=kind,
        )
