"""Everything Whoosh: the schema, building and updating an index, searching with highlights
and "Did you mean …?", and related articles. No Flask here.

How visitor text becomes a query, and the word analysis the index shares with it, live in
`query.py`.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from whoosh import highlight, index
from whoosh import query as wq
from whoosh.analysis import Token
from whoosh.classify import Expander
from whoosh.fields import ID, TEXT, Schema

from . import query
from .content import Article, Topic, topic_for

TITLE_BOOST = 3.0
TAGS_BOOST = 2.0
# Related articles: key terms per article, candidates looked at, and the score parts.
KEY_TERMS = 10
MLT_CANDIDATES = 20
TOPIC_CANDIDATES = 50  # per topic, newest first, so a topic on every article stays cheap
TOPIC_BONUS = 0.4  # per shared topic, at most two counted
MIN_COVERAGE = 0.2  # share of the article's key-term weight a text-only match must reach
TAG_SEPARATOR = "\n"  # tag names are one line each (content.topic_for collapses whitespace)


def make_schema() -> Schema:
    """Return the schema: stemmed, spelling-normalised text fields plus unstemmed `words`."""
    analyzer = query.text_analyzer()
    return Schema(
        # A column too, so related articles map document numbers to slugs without loading
        # every stored body.
        slug=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST),
        summary=TEXT(analyzer=analyzer, stored=True),
        # Character positions let highlighting find matches without re-analysing the body.
        body=TEXT(analyzer=analyzer, stored=True, chars=True),
        tags=TEXT(analyzer=analyzer, stored=True, field_boost=TAGS_BOOST),
        date=ID(stored=True),
        # Real words as written, for "Did you mean" and as-you-type completions; no
        # positions needed, so it costs a fraction of the body field.
        words=TEXT(analyzer=query.word_analyzer(), phrase=False),
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
        "date": article.date.isoformat(),
        "words": text(f"{article.title}\n{article.summary}\n{tags}\n{article.body_text}"),
    }


def build_index(
    directory: Path,
    articles: Iterable[Article],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create a fresh index in `directory` from public articles; return documents written."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(directory), make_schema())
    # One process: a multiprocessing writer forks, which is fragile in a threaded server.
    writer = ix.writer(limitmb=128)
    seen: set[str] = set()
    try:
        for article in articles:
            if not article.draft and article.slug not in seen:
                writer.add_document(**_document(article))
                seen.add(article.slug)
            if progress:
                progress(1)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return len(seen)


def update_index(directory: Path, changed: Iterable[Article], removed: Iterable[str]) -> None:
    """Replace or add the changed articles and delete the removed slugs, in one commit."""
    latest = {article.slug: article for article in changed}  # a slug listed twice: last wins
    ix = index.open_dir(str(directory))
    writer = ix.writer(timeout=10.0)
    try:
        # A slug both changed and removed (the caller may list a replaced file in both) is
        # deleted first and written again, so the new version wins.
        for slug in set(removed) | set(latest):
            writer.delete_by_term("slug", slug)
        for article in latest.values():
            if not article.draft:
                writer.add_document(**_document(article))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


# --- searching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One search result as the results page shows it."""

    slug: str
    title: str
    summary: str
    snippet_html: str
    topics: tuple[Topic, ...]
    date: dt.date


@dataclass(frozen=True)
class SearchResults:
    """One page of results, with what is needed to page through them or suggest a spelling."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    pages: int
    suggestion: str | None


class MarkFormatter(highlight.Formatter):
    """Format fragments as HTML: all text escaped, matches wrapped in <mark>."""

    between = " "

    def _text(self, text):
        return html.escape(text)

    def format_token(self, text, token, replace=False):
        """Return one match, escaped, inside <mark>."""
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"

    def format_fragment(self, fragment, replace=False):
        """Return a fragment with an ellipsis wherever it cuts the text short."""
        formatted = super().format_fragment(fragment, replace)
        before = "…" if fragment.startchar > 0 else ""
        after = "…" if fragment.endchar < len(fragment.text) else ""
        return f"{before}{formatted.strip()}{after}"


# Body snippets are built from the character positions stored with each posting: no
# re-analysis of the body, and (unlike Whoosh's terms=True) no matched-term bookkeeping for
# every matching document, only for the page shown.
_FRAGMENTER = highlight.PinpointFragmenter(maxchars=100, surround=50)
_FORMATTER = MarkFormatter()
# Summaries are short and have no stored positions: re-analyse them and show them whole.
_SUMMARY_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.WholeFragmenter(), formatter=_FORMATTER
)


def _containing(reader, field: str, term: str, docnums: list[int]):
    """Yield (docnum, postings) for each of the sorted docnums whose field has the term."""
    if (field, term) not in reader:
        return
    postings = reader.postings(field, term)
    for docnum in docnums:
        if not postings.is_active():
            return
        postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            yield docnum, postings


def _body_snippets(reader, q: wq.Query, hits) -> dict[int, str]:
    """Return each hit's best two body fragments with the query's body terms marked."""
    docnums = sorted(hit.docnum for hit in hits)
    tokens: dict[int, list[Token]] = {docnum: [] for docnum in docnums}
    for term in {text for field, text in q.iter_all_terms() if field == "body"}:
        for docnum, postings in _containing(reader, "body", term, docnums):
            tokens[docnum] += [
                Token(text=term, pos=pos, startchar=start, endchar=end, matched=True)
                for pos, start, end in postings.value_as("characters")
            ]
    snippets = {}
    for hit in hits:
        found = sorted(tokens[hit.docnum], key=lambda t: (t.startchar, -t.endchar))
        found = [t for i, t in enumerate(found) if i == 0 or t.startchar != found[i - 1].startchar]
        fragments = map(_whole_words, _FRAGMENTER.fragment_matches(hit["body"], found))
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


class SearchIndex:
    """An open index with one searcher, shared by all requests until closed."""

    def __init__(self, directory: Path):
        self._index = index.open_dir(str(directory))
        self._searcher = self._index.searcher()
        self._analyzer = self._searcher.schema["body"].analyzer
        self._lock = threading.Lock()  # the dev server is threaded; a searcher is not
        # The index behind a searcher never changes (a new index is a new directory), so
        # completions can be cached for its lifetime.
        self._completions = lru_cache(maxsize=1024)(
            lambda prefix: query.completions(self._searcher.reader(), self._analyzer, prefix)
        )

    def search(
        self, text: str, page: int = 1, page_size: int = 10, max_length: int = 200
    ) -> SearchResults:
        """Return one page of results for visitor text, which is never treated as syntax."""
        page_size = max(1, page_size)
        with self._lock:
            parsed = query.parse(text, self._analyzer, max_length)
            q = query.build(parsed, self._completions)
            if q is None:
                return SearchResults(parsed.shown, [], 0, 1, 0, None)
            # Pages past the end are clamped; asking for a bounded number of hits keeps a
            # silly page number from costing more than the whole result list.
            wanted = min(max(1, page), 1 + self._searcher.doc_count() // page_size)
            results = self._searcher.search(q, limit=wanted * page_size)
            suggestion = None
            if results.is_empty():
                suggestion = query.suggest(self._searcher.reader(), parsed)
                # A multi-word query with no misspelling that finds nothing with every word
                # falls back to ranking by any word, rather than showing nothing at all.
                if suggestion is None and sum(1 for u in parsed.units if u.terms) > 1:
                    q = query.build(parsed, self._completions, match_all=False)
                    results = self._searcher.search(q, limit=wanted * page_size)
            total = len(results)
            pages = math.ceil(total / page_size)
            page = min(wanted, pages) or 1
            shown = results[(page - 1) * page_size : page * page_size]
            snippets = _body_snippets(self._searcher.reader(), q, shown)
            hits = [self._hit(hit, snippets[hit.docnum]) for hit in shown]
            return SearchResults(parsed.shown, hits, total, page, pages, suggestion)

    def doc_count(self) -> int:
        """Return how many articles the index holds."""
        with self._lock:
            return self._searcher.doc_count()

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            self._searcher.close()
            self._index.close()

    @staticmethod
    def _hit(hit, snippet: str) -> Hit:
        if not snippet:
            snippet = _SUMMARY_HIGHLIGHTER.highlight_hit(hit, "summary", top=1)
        return Hit(
            slug=hit["slug"],
            title=hit["title"],
            summary=hit["summary"],
            snippet_html=snippet,
            topics=tuple(
                topic_for(name) for name in hit.get("tags", "").split(TAG_SEPARATOR) if name
            ),
            date=dt.date.fromisoformat(hit["date"]),
        )


# --- related articles ---------------------------------------------------------------------


def compute_related(
    directory: Path,
    articles: Mapping[str, Article],
    slugs: Iterable[str] | None = None,
    limit: int = 4,
) -> dict[str, list[str]]:
    """Return, for each slug (all if None), the most related public article slugs, best first.

    Candidates come from more-like-this (key terms of the article's title, summary and body,
    searched in bodies) and from shared topics. A candidate's score is half its more-like-this score
    relative to the best candidate, half its *coverage* (the share of the article's key-term
    weight it contains, which unlike a BM25 score means the same in every index), plus a
    bonus per shared topic. Only candidates sharing a topic or reaching MIN_COVERAGE are
    kept, so an article with nothing in common gets no padding.
    """
    public = {s: a for s, a in articles.items() if not a.draft}
    by_topic: dict[str, list[str]] = defaultdict(list)
    for article in sorted(public.values(), key=lambda a: (-a.date.toordinal(), a.slug)):
        for topic in article.topics:
            by_topic[topic.slug].append(article.slug)
    ix = index.open_dir(str(directory))
    related: dict[str, list[str]] = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        # An index with no documents has no columns at all.
        names = reader.column_reader("slug") if reader.has_column("slug") else {}
        for slug in public if slugs is None else slugs:
            article = public.get(slug)
            related[slug] = (
                _related_to(searcher, names, article, public, by_topic, limit) if article else []
            )
    ix.close()
    return related


def _related_to(searcher, names, article: Article, public, by_topic, limit: int) -> list[str]:
    # The title is repeated so its words weigh more among the key terms. Counting terms with
    # the analyzer alone skips the positions and characters that indexing would encode.
    text = f"{article.title}\n{article.title}\n{article.summary}\n{article.body_text}"
    expander = Expander(searcher.reader(), "body")
    expander.add(Counter(t.text for t in searcher.schema["body"].analyzer(text)).items())
    key_terms = expander.expanded_terms(KEY_TERMS)
    total_weight = sum(weight for _, weight in key_terms) or 1.0
    # A key term only this article uses cannot find anything; it still counts towards the
    # total weight, so sharing one ordinary word does not look like strong similarity.
    shared = [(t, w) for t, w in key_terms if searcher.doc_frequency("body", t) > 1]
    text_scores: dict[str, tuple[float, float]] = {}
    if shared:
        # Body only: the title's words are among the key terms (it is in `text` twice), and
        # every extra field doubles the postings read for each article.
        q = wq.Or([wq.Term("body", t, boost=w) for t, w in shared])
        # Without terms=True, Whoosh can skip blocks that cannot reach the top N: several
        # times faster when key terms are common. Coverage is then looked up for the few
        # candidates alone.
        hits = [(hit.docnum, hit.score) for hit in searcher.search(q, limit=MLT_CANDIDATES + 1)]
        best = max((score for d, score in hits if names[d] != article.slug), default=1.0)
        coverage = _coverage(searcher.reader(), shared, sorted(d for d, _ in hits))
        for docnum, score in hits:
            text_scores[names[docnum]] = (score / best, coverage[docnum] / total_weight)
    own_topics = {t.slug for t in article.topics}
    candidates = set(text_scores)
    for topic in own_topics:
        candidates.update(by_topic.get(topic, [])[:TOPIC_CANDIDATES])
    scored = []
    for slug in candidates - {article.slug}:
        other = public.get(slug)
        if other is None:
            continue
        common = len(own_topics & {t.slug for t in other.topics})
        mlt, coverage = text_scores.get(slug, (0.0, 0.0))
        if common or coverage >= MIN_COVERAGE:
            score = 0.5 * mlt + 0.5 * coverage + TOPIC_BONUS * min(common, 2)
            scored.append((-round(score, 9), slug))
    return [slug for _, slug in sorted(scored)[:limit]]


def _coverage(reader, terms: list[tuple[str, float]], docnums: list[int]) -> dict[int, float]:
    """Return, for each of the (sorted) docnums, the summed weight of the terms it contains."""
    found = dict.fromkeys(docnums, 0.0)
    for term, weight in terms:
        for docnum, _ in _containing(reader, "body", term, docnums):
            found[docnum] += weight
    return found
