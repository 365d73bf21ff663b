"""Everything Whoosh: the schema, building and updating an index, searching with highlights
and "Did you mean …?", and related articles. No Flask here.

How visitor text becomes a query, and the word analysis the index shares with it, live in
`query.py`; the real words behind "Did you mean" and completions, kept beside the Whoosh
index, in `vocabulary.py`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import html
import itertools
import math
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import lru_cache
from operator import neg
from pathlib import Path
from typing import NamedTuple

from whoosh import highlight, index
from whoosh import query as wq
from whoosh.analysis import Token
from whoosh.fields import ID, TEXT, Schema
from whoosh.formats import Characters, Frequency, Positions
from whoosh.searching import Results
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from . import query, ranking, segment_files, spelling, vocabulary
from .content import Article, Related, Topic, body_links, topic_for
from .pages import Page

# Field weights are baked into the index: changing one needs `index rebuild`.
TITLE_BOOST = 3.0
TAGS_BOOST = 2.0
HEADINGS_BOOST = 2.0
# Related articles: key terms per article, candidates looked at, and the score parts.
KEY_TERMS = 10
MLT_CANDIDATES = 20
MLT_POSTINGS = 50  # per key term: the documents it scores highest in (see _BodyStats)
TOPIC_CANDIDATES = 50  # per topic, newest first, so a topic on every article stays cheap
# A shared topic adds TOPIC_BONUS times how specific it is (1 for a topic on two articles,
# 0 for one on every article; the two most specific shared topics count), so a broad tag
# such as "self-care" says little and a narrow one such as "grief" says much.
TOPIC_BONUS = 0.2
BACKLINK_BONUS = 0.1  # the other article links to this one
# Closeness in wording is counted both ways: this share of it is how much of the other
# article's key-term weight this one holds, the rest how much of this one's the other holds.
REVERSE_WEIGHT = 0.5
# Below this share of its most telling words being shared, an article is about something
# no other covers, and coverage is measured against all its words.
OWN_WORDS = 0.5
# The cut-off: a candidate the author did not link must score this much (chosen from the
# judgments: see docs/search-quality.md).
MIN_SCORE = 0.5
MIN_SPECIFICITY = 0.5  # a shared topic this specific is reason enough to name it
TAG_SEPARATOR = "\n"  # tag names are one line each (content.topic_for collapses whitespace)
# Beside the Whoosh files: every body term with its article and occurrence counts (the
# vocabulary file format), so related scoring looks terms up without reading the segments.
BODY_TERMS = "body-terms.bin"
# What a document is (the `kind` field). A page's key in the `slug` field is prefixed, so
# it never meets an article's slug, and related scoring (which knows only articles) never
# takes it for one.
ARTICLE = "article"
PAGE = "page"
PAGE_KEY = "pages/"

segment_files.install()  # every index this module opens is read in place, not copied


class FastText(TEXT):
    """A TEXT field that indexes plain text straight from `CachedWordAnalyzer`'s word lists.

    Whoosh's formats pull one Token at a time through the analyzer; for plain indexing the
    postings (terms with their counts, positions or character spans) come out the same when
    built from the analyzer's per-word cache in one loop, which is what indexing a large
    library spends most of its time on. Values, weights and encodings are the formats' own.
    """

    def index(self, value, **kwargs):
        """Return (term bytes, frequency, weight, encoded value) for each term in `value`."""
        analyzer, fmt = self.analyzer, self.format
        if (not isinstance(value, str) or not isinstance(analyzer, query.CachedWordAnalyzer)
                or kwargs or type(fmt) not in (Frequency, Positions, Characters)):  # fmt: skip
            yield from super().index(value, **kwargs)
            return
        boost = fmt.field_boost
        if type(fmt) is Frequency:
            for term, count in analyzer.counts(value).items():
                yield term.encode("utf-8"), count, count * boost, pack_uint(count)
            return
        chars = type(fmt) is Characters
        for term, found in analyzer.occurrences(value).items():
            encoded = fmt.encode(found if chars else [p for p, _, _ in found])
            yield term.encode("utf-8"), len(found), len(found) * boost, encoded


class _LengthsOnce:
    """A segment's per-document reader whose field lengths are read once per field.

    Writing postings asks for the document's field length once per posting (for block
    statistics), and Whoosh reads it from the length column every time: about a quarter
    of writing a segment. The values are the same.
    """

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        """Return the document's length in the field, as the wrapped reader would."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = self._lengths[fieldname] = [
                self._reader.doc_field_length(d, fieldname, 0)
                for d in range(self._reader.doc_count_all())
            ]
        return lengths[docnum] if 0 <= docnum < len(lengths) else default

    def __getattr__(self, name):
        return getattr(self._reader, name)


class _SegmentWriter(SegmentWriter):
    """Whoosh's segment writer, flushing postings with field lengths read once."""

    def per_document_reader(self):
        """Return the new segment's per-document reader (lengths cached)."""
        return _LengthsOnce(super().per_document_reader())


def make_schema() -> Schema:
    """Return the schema: stemmed, spelling-normalised text fields, stored for results."""
    analyzer = query.text_analyzer()
    return Schema(
        # A column too, so related articles map document numbers to slugs without loading
        # every stored body.
        slug=ID(stored=True, unique=True, sortable=True),
        title=FastText(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST),
        summary=FastText(analyzer=analyzer, stored=True),
        # Character positions let highlighting find matches without re-analysing the body.
        body=FastText(analyzer=analyzer, stored=True, chars=True),
        tags=FastText(analyzer=analyzer, stored=True, field_boost=TAGS_BOOST),
        # The section headings: a section about a word weighs more than a passing mention.
        headings=FastText(analyzer=analyzer, field_boost=HEADINGS_BOOST),
        date=ID(stored=True),
        kind=ID(stored=True),
    )


def _document(article: Article) -> dict[str, str]:
    def text(value: str) -> str:
        return unicodedata.normalize("NFC", value)

    tags = TAG_SEPARATOR.join(t.name for t in article.topics)
    return {
        "slug": article.slug,
        "title": text(article.title),
        "summary": text(article.summary),
        "body": text(article.body_text),
        "tags": text(tags),
        "headings": text("\n".join(heading.title for heading in article.toc)),
        "date": article.date.isoformat(),
        "kind": ARTICLE,
    }


def _page_document(page: Page) -> dict[str, str]:
    """Return a page as a document: searched like an article, marked as a page."""
    return {
        "slug": PAGE_KEY + page.slug,
        "title": unicodedata.normalize("NFC", page.title),
        "summary": unicodedata.normalize("NFC", page.summary),
        "body": unicodedata.normalize("NFC", page.body_text),
        "tags": "",
        "headings": unicodedata.normalize("NFC", "\n".join(h.title for h in page.toc)),
        "date": "",
        "kind": PAGE,
    }


def _words(fields: Mapping[str, str]) -> str:
    """Return the text whose words go in the vocabulary, from a document or its stored fields."""
    # Newlines keep the parts' words apart and, in NFC, never compose with a neighbour, so
    # this is the same text whether the parts were normalised apart or together.
    return "\n".join(fields[name] for name in ("title", "summary", "tags", "body"))


def build_index(
    directory: Path,
    articles: Iterable[Article],
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
    workers: int = 1,
    pages: Iterable[Page] = (),
) -> int:
    """Create a fresh index and its vocabulary in `directory` from public articles and the
    practice's pages; return the articles written.

    With an `executor` (a pool of `workers` processes, started by the caller where that is
    safe), each process writes one segment of a contiguous share of the articles and counts
    its share's words; the segments are committed together (search reads them as one
    index) and the counts are added up into one vocabulary.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(directory), make_schema())
    documents: list[dict[str, str]] = []
    seen: set[str] = set()
    for article in articles:
        if not article.draft and article.slug not in seen:
            documents.append(_document(article))
            seen.add(article.slug)
        if progress and executor is None:
            progress(1)
    articles_written = len(documents)
    page_documents = [_page_document(page) for page in pages]
    documents += page_documents
    if executor is None or workers < 2 or len(documents) < 2 * workers:
        writer = _SegmentWriter(ix, limitmb=128)
        try:
            for document in documents:
                writer.add_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        vocabulary.write(directory / vocabulary.FILE, vocabulary.count(map(_words, documents)))
        _write_body_terms(ix, directory, page_documents)
        return articles_written
    writer = ix.writer()  # holds the index lock while the workers write their segments
    try:
        step = -(-len(documents) // workers)
        jobs = [executor.submit(_write_segment, str(directory), documents[i : i + step])
                for i in range(0, len(documents), step)]  # fmt: skip
        segments = []
        words = vocabulary.Tally()
        for job, start in zip(jobs, range(0, len(documents), step), strict=True):
            segment, tally = job.result()
            segments.append(segment)
            words.add(tally)
            if progress:
                progress(len(documents[start : start + step]))
        writer._close_segment()  # noqa: SLF001 - as whoosh.multiproc.MpWriter commits
        writer._commit_toc(segments)  # noqa: SLF001
        writer._finish()  # noqa: SLF001
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    vocabulary.write(directory / vocabulary.FILE, words)
    _write_body_terms(ix, directory, page_documents)
    return articles_written


def _write_body_terms(ix, directory: Path, pages: list[dict[str, str]]) -> None:
    """Write the BODY_TERMS file of a freshly built index (no deleted documents) from its
    segments' term statistics: a term's weight in the body is its occurrences.

    The pages' words are left out: related articles are scored among articles alone.
    """
    tally = vocabulary.Tally()
    with ix.reader() as reader:
        for segment, _ in reader.leaf_readers():
            for term, info in segment.iter_field("body"):
                word = term.decode("utf-8")
                tally.documents[word] += info.doc_frequency()
                tally.occurrences[word] += round(info.weight())
    tally.remove(vocabulary.count((p["body"] for p in pages), ix.schema["body"].analyzer))
    vocabulary.write(directory / BODY_TERMS, tally)


def _write_segment(directory: str, documents: list[dict[str, str]]):
    """Write documents into a new segment of the index; return the segment and the
    documents' word counts (in a worker)."""
    ix = index.open_dir(directory)
    # The parent holds the lock; segments get unique names, so writers never collide.
    writer = _SegmentWriter(ix, _lk=False, limitmb=256)
    for document in documents:
        writer.add_document(**document)
    return writer._finalize_segment(), vocabulary.count(map(_words, documents))  # noqa: SLF001


def update_index(directory: Path, changed: Iterable[Article], removed: Iterable[str]) -> None:
    """Replace or add the changed articles and delete the removed slugs, in one commit, and
    change the vocabulary to match."""
    latest = {article.slug: article for article in changed}  # a slug listed twice: last wins
    ix = index.open_dir(str(directory))
    writer = ix.writer(timeout=10.0)
    gone: list[str] = []
    added: list[str] = []
    gone_bodies: list[str] = []
    added_bodies: list[str] = []
    try:
        searcher = writer.searcher()
        # A slug both changed and removed (the caller may list a replaced file in both) is
        # deleted first and written again, so the new version wins.
        for slug in set(removed) | set(latest):
            # The stored fields are the text the deleted version's words were counted from.
            for docnum in searcher.document_numbers(slug=slug):
                stored = searcher.stored_fields(docnum)
                gone.append(_words(stored))
                gone_bodies.append(stored["body"])
            writer.delete_by_term("slug", slug)
        for article in latest.values():
            if not article.draft:
                document = _document(article)
                writer.add_document(**document)
                added.append(_words(document))
                added_bodies.append(document["body"])
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    vocabulary.update(directory / vocabulary.FILE, gone, added)
    body_analyzer = ix.schema["body"].analyzer  # the very analyzer that indexed the bodies
    vocabulary.update(directory / BODY_TERMS, gone_bodies, added_bodies, body_analyzer)


# --- searching ----------------------------------------------------------------------------


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


class MarkFormatter(highlight.Formatter):
    """Format fragments as HTML: all text escaped, matches wrapped in <mark>, and one
    ellipsis wherever text is left out (before, between and after the fragments)."""

    def _text(self, text):
        return html.escape(text)

    def format_token(self, text, token, replace=False):
        """Return one match, escaped, inside <mark>."""
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"

    def format(self, fragments, replace=False):
        """Return fragments (in text order, not overlapping) as one snippet."""
        if not fragments:
            return ""
        formatted = " … ".join(self.format_fragment(f, replace).strip() for f in fragments)
        before = "…" if fragments[0].startchar > 0 else ""
        last = fragments[-1]
        after = ""
        if last.endchar < len(last.text):
            # After a whole sentence the left-out text starts a new one: "advise. …".
            after = " …" if last.text[: last.endchar].rstrip().endswith((".", "!", "?")) else "…"
        return f"{before}{formatted}{after}"


# Body snippets are built from the character positions stored with each posting: no
# re-analysis of the body, and (unlike Whoosh's terms=True) no matched-term bookkeeping for
# every matching document, only for the page shown.
# Only matches within a body's first SNIPPET_CHARS characters are looked at, so the work per
# result is bounded whatever the article's length: a common word in a very long article
# has tens of thousands of matches, and each was a token to make and sort. (Whoosh's
# fragmenter stops there too, so no snippet ever came from further on.) An article whose
# only matches lie further on shows its summary instead.
SNIPPET_CHARS = 2**15
_FRAGMENTER = highlight.PinpointFragmenter(maxchars=100, surround=50, charlimit=SNIPPET_CHARS)
_FORMATTER = MarkFormatter()
# Summaries are short and have no stored positions: re-analyse them and show them whole.
_SUMMARY_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.WholeFragmenter(), formatter=_FORMATTER
)


def _body_snippets(ranker: ranking.Ranker, groups: list[wq.Query], hits) -> dict[int, str]:
    """Return each hit's best two body fragments with the query's body terms marked."""
    docnums = sorted(hit.docnum for hit in hits)
    tokens: dict[int, list[Token]] = {docnum: [] for docnum in docnums}
    terms = {text for q in groups for field, text in q.iter_all_terms() if field == "body"}
    for term in terms:
        holders = ranker.term_scores("body", term)  # open postings only where a hit has it
        within = [d for d in docnums if d in holders]
        for docnum, postings in ranker.postings_at("body", term, within):
            # In text order: stop at the first match past the bound.
            tokens[docnum] += [
                Token(text=term, pos=pos, startchar=start, endchar=end, matched=True)
                for pos, start, end in itertools.takewhile(
                    lambda place: place[2] <= SNIPPET_CHARS, postings.value_as("characters")
                )
            ]
    snippets = {}
    for hit in hits:
        found = sorted(tokens[hit.docnum], key=lambda t: (t.startchar, -t.endchar))
        found = [t for i, t in enumerate(found) if i == 0 or t.startchar != found[i - 1].startchar]
        # The fragments' context reaches at most `surround` past the last match; a little
        # more text lets them say "…" where the body goes on.
        body = hit["body"][: SNIPPET_CHARS + 2 * _FRAGMENTER.surround]
        fragments = map(_whole_words, _FRAGMENTER.fragment_matches(body, found))
        best = highlight.top_fragments(
            fragments, 2, highlight.BasicFragmentScorer(), highlight.FIRST
        )
        snippets[hit.docnum] = _FORMATTER.format(_merge_overlaps(best))
    return snippets


def _whole_words(fragment: highlight.Fragment) -> highlight.Fragment:
    """Trim a fragment's cut-off words at either end, unless it starts or ends the text."""
    # Whoosh's own autotrim also drops the first word of a fragment that starts the text.
    text, start, end = fragment.text, fragment.startchar, fragment.endchar
    if start > 0:
        space = text.find(" ", start, fragment.matches[0].startchar)
        fragment.startchar = start if space < 0 else space + 1
    if end < len(text):
        space = text.rfind(" ", fragment.matches[-1].endchar, end)
        fragment.endchar = end if space < 0 else space
    return fragment


def _merge_overlaps(fragments: list[highlight.Fragment]) -> list[highlight.Fragment]:
    """Join fragments (in text order) that overlap or touch, so no text shows twice."""
    merged: list[highlight.Fragment] = []
    for fragment in fragments:
        previous = merged[-1] if merged else None
        if previous and fragment.startchar <= previous.endchar + 1:
            previous.endchar = max(previous.endchar, fragment.endchar)
            previous.matches = previous.matches + fragment.matches
        else:
            merged.append(fragment)
    return merged


# How many of the most frequent words `SearchIndex.warm` searches, each also as typed.
WARM_WORDS = 40


class SearchIndex:
    """An open index with one searcher, shared by all requests until closed."""

    def __init__(self, directory: Path):
        # First: a vocabulary that fails to load then leaves no Whoosh files open.
        self._vocabulary = vocabulary.read(Path(directory) / vocabulary.FILE)
        self._index = index.open_dir(str(directory))
        self._searcher = self._index.searcher()
        self._analyzer = self._searcher.schema["body"].analyzer
        self._lock = threading.Lock()  # the dev server is threaded; a searcher is not
        self._ranker = ranking.Ranker(self._searcher, query.FIELDS)
        self._pages = sum(1 for _ in self._searcher.document_numbers(kind=PAGE))
        # The English word list (typo correction, crisis misspellings) is loaded once per
        # process: now, while the index is being opened, not in some visitor's first search.
        spelling.english()
        # The index behind a searcher never changes (a new index is a new directory), so
        # completions can be cached for its lifetime.
        self._completions = lru_cache(maxsize=1024)(
            lambda prefix: query.completions(
                self._searcher.reader(), self._vocabulary, self._analyzer, prefix
            )
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
            parsed = query.parse(text, self._analyzer, max_length)
            if synonyms is not None:
                parsed = query.with_synonyms(parsed, synonyms, self._analyzer)
            searched, corrected, suggestion = parsed, None, None
            sure, unsure = self._corrections(parsed) if correct else ({}, {})
            if sure:
                searched = query.with_corrections(parsed, sure | unsure, self._analyzer)
                corrected = searched.shown
            groups = query.groups(searched, self._completions)
            leading = [d for slug in dict.fromkeys(lead)
                       if (d := self._searcher.document_number(slug=slug)) is not None]  # fmt: skip
            if not groups and not leading:
                return SearchResults(parsed.shown, [], 0, 1, 0, None)
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
            total += len(leading) - sum(1 for hit in ranked if hit.docnum in led)
            pages = math.ceil(total / page_size)
            page = min(wanted, pages) or 1
            shown = order[(page - 1) * page_size : page * page_size]
            page_results = Results(self._searcher, ranked.q, [(0.0, d) for d in shown])
            hits = [hit for hit in page_results]  # list() would ask Whoosh for a length
            snippets = _body_snippets(self._ranker, groups, hits)
            found = [self._hit(hit, snippets[hit.docnum]) for hit in hits]
            return SearchResults(parsed.shown, found, total, page, pages, suggestion, corrected)

    def _corrections(
        self, parsed: query.ParsedQuery
    ) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
        """Return the confident and the unsure corrections of the query's misspelt words,
        as each unit's new words, by unit position."""
        sure: dict[int, tuple[str, ...]] = {}
        unsure: dict[int, tuple[str, ...]] = {}
        reader = self._searcher.reader()
        last = len(parsed.units) - 1
        for i, unit in enumerate(parsed.units):
            if unit.filler or unit.alternatives:
                continue
            if parsed.prefix and i == last and self._completions(parsed.prefix):
                continue  # still being typed, and completes to something
            words = list(unit.words)
            confident = True
            for n, word in enumerate(unit.words):
                terms = [t.text for t in self._analyzer(word, mode="query")]
                if any((field, term) in reader for term in terms for field in query.FIELDS):
                    continue  # found as typed, perhaps in another spelling ("counseling")
                found = query.correction(self._vocabulary, word)
                if found:
                    words[n] = found[0]
                    confident &= found[1]
            if tuple(words) != unit.words:
                (sure if confident else unsure)[i] = tuple(words)
        return sure, unsure

    def warm(self, words: int = WARM_WORDS) -> None:
        """Search as a new generation's first visitors will, so they do not pay for it: the
        most frequent words of the articles, and each typed as far as its first letters
        (completions). A server does this before it switches to the generation."""
        frequent = [word for _, word in self._vocabulary.most_frequent(words)]
        typed = sorted({word[:length] for word in frequent for length in (2, 3)})
        for text in frequent + typed:
            self.search(text, correct=False)

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
            snippet = _SUMMARY_HIGHLIGHTER.highlight_hit(hit, "summary", top=1)
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


# --- related articles ---------------------------------------------------------------------


@dataclass(frozen=True)
class RelatedInput:
    """What related scoring needs of one article: its text, topics, date and the articles
    its body links to, in order (picklable).

    The text is needed only for the articles whose lists are being computed.
    """

    text: str
    topics: tuple[tuple[str, str], ...]  # (slug, name) of each topic
    ordinal: int
    links: tuple[str, ...] = ()


def related_input(article: Article, with_text: bool = True) -> RelatedInput:
    """Return an article's RelatedInput, with or without its text."""
    # The title is repeated so its words weigh more among the key terms.
    text = f"{article.title}\n{article.title}\n{article.summary}\n{article.body_text}"
    topics = tuple((t.slug, t.name) for t in article.topics)
    return RelatedInput(text if with_text else "", topics,
                        article.date.toordinal(), body_links(article))  # fmt: skip


def compute_related(
    directory: Path,
    articles: Mapping[str, Article],
    slugs: Iterable[str] | None = None,
    limit: int = 4,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, list[Related]]:
    """Return, for each slug (all if None), the most related public articles, best first,
    each with the reason it is there.

    The articles its body links to lead, in the order the author wrote them. The others are
    scored: half their more-like-this score relative to the best candidate, half their
    *coverage* (the share of the article's key-term weight they contain, which unlike a
    BM25 score means the same in every index), plus TOPIC_BONUS for how specific the topics
    they share are, plus BACKLINK_BONUS when they link to this article. Only candidates
    that score MIN_SCORE are kept, so an article with nothing in common gets no padding.

    More-like-this is Whoosh's own recipe computed straight from the index statistics: the
    key terms are the article's top KEY_TERMS by Bo1 (`whoosh.classify.Expander`) among the
    terms that carry meaning and that another article has, and candidates are the best
    MLT_CANDIDATES by BM25F over the body for those terms, boosted by their Bo1 weights, as
    `searcher.search(Or([...]))` ranks them, gathered from each key term's best
    MLT_POSTINGS documents. Postings and statistics are read once and shared by all
    articles. With an `executor`, slugs are shared out between `workers` processes.
    """
    public = {s: a for s, a in articles.items() if not a.draft}
    wanted = list(public if slugs is None else slugs)
    need = set(wanted)
    inputs = {s: related_input(a, s in need) for s, a in public.items()}
    return related_lists(
        directory,
        inputs,
        wanted,
        limit,
        executor,
        workers,
        progress,
        more_texts=lambda slugs: {s: related_input(public[s]) for s in slugs},
    )


def related_lists(
    directory: Path,
    inputs: Mapping[str, RelatedInput],
    slugs: list[str],
    limit: int = 4,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    more_texts: Callable[[list[str]], Mapping[str, RelatedInput]] | None = None,
) -> dict[str, list[Related]]:
    """Return related lists for `slugs`, given every public article's RelatedInput;
    `progress(done, total)` is told as each process's share is done.

    Closeness in wording counts both ways, so the text of every article close to one of
    `slugs` is needed too: `more_texts(slugs)` returns the RelatedInput, text included, of
    those `inputs` has without text.
    """
    matches = _text_matches(directory, inputs, slugs, executor, workers, progress)
    wanted = {other for slug in slugs for other in matches.get(slug, {})} - matches.keys()
    if wanted:
        inputs = dict(inputs)
        without_text = sorted(s for s in wanted if not inputs[s].text)
        if without_text and more_texts is not None:
            inputs.update(more_texts(without_text))
        matches.update(_text_matches(directory, inputs, sorted(wanted)))
    library = _Neighbourhood(inputs)
    return {
        slug: _related_to(slug, matches, library, limit) if slug in inputs else [] for slug in slugs
    }


class _TextMatch(NamedTuple):
    """How close another article's body is to one article's key terms."""

    closeness: float  # its more-like-this score, relative to the best candidate's
    coverage: float  # the share of the key-term weight it holds
    words: tuple[str, ...]  # the two most telling words it shares, as the article writes them

    @property
    def score(self) -> float:
        """Closeness and coverage, half each."""
        return 0.5 * self.closeness + 0.5 * self.coverage


def _text_matches(
    directory: Path,
    inputs: Mapping[str, RelatedInput],
    slugs: list[str],
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, _TextMatch]]:
    """Return, for each of `slugs` that has its text in `inputs`, the articles closest to
    it in wording, shared out between `workers` processes with an `executor`."""
    slugs = [s for s in slugs if s in inputs and inputs[s].text]
    public = frozenset(inputs)
    if executor is not None and workers > 1 and len(slugs) >= 2 * workers:
        step = -(-len(slugs) // workers)
        shards = [slugs[i : i + step] for i in range(0, len(slugs), step)]
        # Each process gets the text of its own slugs only.
        jobs = [
            executor.submit(
                _matches_for, str(directory), {s: inputs[s].text for s in shard}, public
            )  # fmt: skip
            for shard in shards
        ]
        matches: dict[str, dict[str, _TextMatch]] = {}
        for job in jobs:
            matches.update(job.result())
            if progress:
                progress(len(matches), len(slugs))
        return matches
    matches = _matches_for(str(directory), {s: inputs[s].text for s in slugs}, public)
    if progress:
        progress(len(slugs), len(slugs))
    return matches


def _matches_for(directory: str, texts: dict[str, str],
                 public: frozenset[str]) -> dict[str, dict[str, _TextMatch]]:  # fmt: skip
    ix = index.open_dir(directory)
    try:
        with ix.searcher() as searcher:
            body_terms = vocabulary.read(Path(directory) / BODY_TERMS)
            stats = _BodyStats(searcher, body_terms, bulk=len(texts) > 50, documents=len(public))
            return {slug: _closest_in_wording(stats, slug, text, public)
                    for slug, text in texts.items()}  # fmt: skip
    finally:
        ix.close()


class _Neighbourhood:
    """What every public article shares with others: topics, how specific each topic is,
    and who links to whom."""

    def __init__(self, public: dict[str, RelatedInput]):
        self.public = public
        self.topics = {s: dict(r.topics) for s, r in public.items()}
        self.by_topic: dict[str, list[str]] = defaultdict(list)
        for slug, _item in sorted(public.items(), key=lambda kv: (-kv[1].ordinal, kv[0])):
            for topic in self.topics[slug]:
                self.by_topic[topic].append(slug)
        self.linked_from: dict[str, set[str]] = defaultdict(set)
        for slug, item in public.items():
            for target in item.links:
                self.linked_from[target].add(slug)
        total = len(public)
        # 1 for a topic on two articles (the fewest that can share it), 0 for one on all.
        self.specificity = {
            topic: (math.log(total / len(holders)) / math.log(total / 2) if total > 2 else 1.0)
            for topic, holders in self.by_topic.items()
        }

    def shared_topics(self, slug: str, other: str) -> list[tuple[float, str]]:
        """Return (specificity, name) of the topics both articles have, most specific first."""
        mine, theirs = self.topics[slug], self.topics[other]
        return sorted(((self.specificity[t], mine[t]) for t in mine.keys() & theirs.keys()),
                      reverse=True)  # fmt: skip


class _BodyStats:
    """Body-field statistics and postings of one index, each read once, for related scoring.

    The statistics are those of the live articles (from BODY_TERMS), not Whoosh's, which
    still count a deleted or replaced document until its segment is merged away: so an
    update scores related articles as a rebuild of the same content would.
    """

    def __init__(
        self,
        searcher,
        body_terms: vocabulary.Vocabulary,
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
        # An index with no documents has no columns at all.
        self.names = reader.column_reader("slug") if reader.has_column("slug") else {}
        self._postings: dict[str, dict[int, float]] = {}
        self._lengths_by_segment: dict[int, tuple[object, list[int]]] = {}
        self._champions: dict[str, list[tuple[int, float]]] = {}
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
            n, avg, k1, b = self.doc_count, self.avg_length, 1.2, 0.75
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
        """Return the MLT_POSTINGS documents the term scores highest in (all, if fewer).

        Candidates are gathered from these alone: a document can only reach the top
        MLT_CANDIDATES by scoring well for some key term, and capping each term's list keeps
        the work per article constant as the library grows (all postings would make the
        whole build quadratic). Coverage is still counted over all postings.
        """
        found = self._champions.get(term)
        if found is None:
            postings = self.postings(term)
            if len(postings) <= MLT_POSTINGS:
                found = list(postings.items())
            else:
                # Best score first; among equal scores the lower document number. Plain
                # tuples compare without a key function call per posting.
                best = heapq.nlargest(
                    MLT_POSTINGS, zip(postings.values(), map(neg, postings), strict=True)
                )
                found = [(-negated, score) for score, negated in best]
            self._champions[term] = found
        return found


def _key_terms(stats: _BodyStats, text: str) -> tuple[list[tuple[str, float]], float]:
    """Return the text's KEY_TERMS most telling body terms, as Whoosh's Bo1 Expander does,
    among the terms that carry meaning (no filler words) and that another article has; and
    the weight of its KEY_TERMS most telling terms of all, shared or not."""
    analyzer = stats.analyzer
    if isinstance(analyzer, query.CachedWordAnalyzer):
        counts = analyzer.counts(text)
    else:
        counts = Counter(t.text for t in analyzer(text, mode="index"))
    n = stats.doc_count or 1
    scored = []
    for term, weight in counts.items():
        found = stats.term(term)
        if found is None or term in _FILLER_TERMS:
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
    overall = sum(score / norm for score, _, _ in scored[:KEY_TERMS])
    # A term only this article uses cannot find anything: it takes no key-term place.
    shared = [(term, score / norm) for score, term, others in scored if others][:KEY_TERMS]
    return shared, overall


# Filler words as the body analyzer makes them (stemmed), to leave out of key terms.
_FILLER_TERMS = frozenset(
    t.text for word in query.FILLER for t in query.text_analyzer()(word, mode="query")
)


def _closest_in_wording(stats: _BodyStats, slug: str, text: str,
                        public: frozenset[str]) -> dict[str, _TextMatch]:  # fmt: skip
    """Return the articles whose bodies hold the most of this text's key terms, by
    more-like-this score and by coverage, each with the words it shares."""
    key_terms, overall = _key_terms(stats, text)
    if not key_terms:
        return {}
    # Coverage is measured against the shared key terms (a word no other article has cannot
    # be matched, so it counts against none), unless the article's most telling words are
    # mostly its own: then it is about something no other article covers.
    shared_weight = sum(weight for _, weight in key_terms)
    total_weight = (shared_weight if shared_weight >= OWN_WORDS * overall else overall) or 1.0
    # BM25F over the body, as Whoosh scores Or([Term("body", t, boost=w), ...]).
    postings = [(stats.postings(term), weight) for term, weight in key_terms]
    candidates: set[int] = set()
    for term, _ in key_terms:
        candidates.update(docnum for docnum, _ in stats.champions(term))
    names = stats.names
    candidates = {docnum for docnum in candidates if names[docnum] in public}
    candidates.discard(next((d for d in candidates if names[d] == slug), -1))
    # Each candidate's sum of weight * term score, added up term by term in key-term order
    # (as `sum` over the terms would; a term it lacks adds nothing), visiting only the
    # candidates each term's postings hold.
    scores: dict[int, float] = dict.fromkeys(candidates, 0)
    for found, weight in postings:
        for docnum in candidates & found.keys():
            scores[docnum] += weight * found[docnum]
    hits = heapq.nsmallest(MLT_CANDIDATES, scores.items(), key=lambda x: (-x[1], x[0]))
    best = max((score for _, score in hits), default=1.0) or 1.0
    words = _SurfaceWords(stats.analyzer, text)
    matches = {}
    for docnum, score in hits:
        held = [(weight, term) for (found, weight), (term, _) in
                zip(postings, key_terms, strict=True) if docnum in found]  # fmt: skip
        shown = [word for _, term in sorted(held, reverse=True) if (word := words.get(term))]
        matches[names[docnum]] = _TextMatch(
            score / best, sum(weight for weight, _ in held) / total_weight, tuple(shown[:2])
        )
    return matches


def _related_to(slug: str, matches: Mapping[str, Mapping[str, _TextMatch]],
                library: _Neighbourhood, limit: int) -> list[Related]:  # fmt: skip
    public = library.public
    article = public[slug]
    mine = matches.get(slug, {})
    linked = [s for s in article.links if s in public and s != slug][:limit]
    candidates = {s for s in mine if s in public}
    for topic in library.topics[slug]:
        candidates.update(library.by_topic.get(topic, [])[:TOPIC_CANDIDATES])
    candidates |= library.linked_from.get(slug, set())
    scored = []
    for other in candidates - {slug} - set(linked):
        shared = library.shared_topics(slug, other)
        specificity = sum(value for value, _ in shared[:2])
        links_here = other in library.linked_from.get(slug, ())
        there = mine.get(other)
        closeness = 0.0
        if there is not None:
            # Related both ways: how much of this article's wording the other holds, and
            # how much of the other's this one holds. An article that mentions this one's
            # subject in passing is close one way only.
            back = matches.get(other, {}).get(slug)
            closeness = (1 - REVERSE_WEIGHT) * there.score
            closeness += REVERSE_WEIGHT * (back.score if back else 0.0)
        score = closeness + TOPIC_BONUS * specificity + BACKLINK_BONUS * links_here
        if score >= MIN_SCORE:
            # Ties go to the closer text, then the newer article: never to the alphabet alone.
            cover = there.coverage if there else 0.0
            rank = (-round(score, 9), -cover, -public[other].ordinal, other)
            scored.append((rank, other, (shared, links_here, there.words if there else ())))
    scored.sort()
    chosen = [Related(s, "Linked in this article") for s in linked]
    for _, other, (shared, links_here, words) in scored[: limit - len(chosen)]:
        chosen.append(Related(other, _reason(shared, links_here, words)))
    return chosen


def _reason(shared, links_here: bool, found: tuple[str, ...]) -> str:
    """Return in plain words why a candidate is related: a link, a topic or shared words."""
    if links_here:
        return "Links to this article"
    if shared and (shared[0][0] >= MIN_SPECIFICITY or not found):
        return f"Also about {shared[0][1]}"
    if len(found) == 2:
        return f"Also about {found[0]} and {found[1]}"
    if found:
        return f"Also about {found[0]}"
    return f"Also about {shared[0][1]}" if shared else "Close in wording"


class _SurfaceWords:
    """The word an article most often writes each of its terms as, read once when asked."""

    def __init__(self, analyzer, text: str):
        self._analyzer = analyzer
        self._text = text
        self._words: dict[str, str] | None = None

    def get(self, term: str) -> str | None:
        """Return the article's commonest word for a term, or None."""
        if self._words is None:
            self._words = {}
            if isinstance(self._analyzer, query.CachedWordAnalyzer):
                seen: dict[str, Counter[str]] = defaultdict(Counter)
                for word, count in Counter(query.WORD.findall(self._text.lower())).items():
                    found = self._analyzer.term(word)
                    if found is not None:
                        seen[found][word] += count
                self._words = {t: c.most_common(1)[0][0] for t, c in seen.items()}
        return self._words.get(term)
