"""Build and update the Whoosh index: the schema, the documents and their segments.

Field weights (`tuning.TITLE_BOOST` and the others) are baked into the index, so changing one
needs `index rebuild`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path

from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Characters, Positions

from webapp.model import Article, Page, without_spans
from webapp.search import analysis, segment_files, tuning, vocabulary

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


class FastText(TEXT):
    """A TEXT field that indexes plain text straight from `CachedWordAnalyzer`'s word lists.

    Whoosh's formats pull one Token at a time through the analyzer; for plain indexing the
    postings (terms with their positions or character spans) come out the same when
    built from the analyzer's per-word cache in one loop, which is what indexing a large
    library spends most of its time on. Values, weights and encodings are the formats' own
    (`Format.encode`); any other format is indexed Whoosh's way.
    """

    def index(self, value, **kwargs):
        """Return (term bytes, frequency, weight, encoded value) for each term in `value`."""
        analyzer, fmt = self.analyzer, self.format
        if (not isinstance(value, str) or not isinstance(analyzer, analysis.CachedWordAnalyzer)
                or kwargs or type(fmt) not in (Positions, Characters)):  # fmt: skip
            yield from super().index(value, **kwargs)
            return
        boost = fmt.field_boost
        chars = type(fmt) is Characters
        for term, found in analyzer.occurrences(value).items():
            encoded = fmt.encode(found if chars else [p for p, _, _ in found])
            yield term.encode("utf-8"), len(found), len(found) * boost, encoded


def make_schema() -> Schema:
    """Return the schema: stemmed, spelling-normalised text fields, stored for results."""
    analyzer = analysis.text_analyzer()
    return Schema(
        # A column too, so related articles map document numbers to slugs without loading
        # every stored body.
        slug=ID(stored=True, unique=True, sortable=True),
        title=FastText(analyzer=analyzer, stored=True, field_boost=tuning.TITLE_BOOST),
        summary=FastText(analyzer=analyzer, stored=True),
        # Character positions let highlighting find matches without re-analysing the body.
        # Indexed without the words of links to other articles (`Article.own_text`), stored
        # whole for the result's lines; blanked, those words keep every other in its place.
        body=FastText(analyzer=analyzer, stored=True, chars=True),
        link_spans=STORED,  # where the stored body has them: an update uncounts its words
        tags=FastText(analyzer=analyzer, stored=True, field_boost=tuning.TAGS_BOOST),
        # The section headings: a section about a word weighs more than a passing mention.
        headings=FastText(analyzer=analyzer, field_boost=tuning.HEADINGS_BOOST),
        date=ID(stored=True),
        kind=ID(stored=True),
    )


def _document(article: Article) -> dict[str, str]:
    def text(value: str) -> str:
        return unicodedata.normalize("NFC", value)

    tags = TAG_SEPARATOR.join(t.name for t in article.topics)
    body = text(article.body_text)
    # NFC seldom changes a body; when it does, the offsets no longer fit it.
    spans = article.link_spans if body == article.body_text else ()
    return {
        "slug": article.slug,
        "title": text(article.title),
        "summary": text(article.summary),
        "body": without_spans(body, spans),
        "_stored_body": body,
        "link_spans": spans,
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
    # The body as shown (stored): its links' words are words of the site all the same.
    body = fields.get("_stored_body", fields["body"])
    return "\n".join([*(fields[name] for name in ("title", "summary", "tags")), body])


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
    ix = segment_files.create_in(directory, make_schema())
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
        writer = segment_files.SegmentWriter(ix, limitmb=128)
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
        segment_files.commit_segments(writer, segments)
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
    segment = segment_files.write_segment(segment_files.open_dir(directory), documents)
    return segment, vocabulary.count(map(_words, documents))


def update_index(directory: Path, changed: Iterable[Article], removed: Iterable[str]) -> None:
    """Replace or add the changed articles and delete the removed slugs, in one commit, and
    change the vocabulary to match."""
    latest = {article.slug: article for article in changed}  # a slug listed twice: last wins
    ix = segment_files.open_dir(directory)
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
                gone_bodies.append(without_spans(stored["body"], stored.get("link_spans", ())))
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
