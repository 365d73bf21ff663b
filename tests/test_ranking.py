"""The site's own query evaluation ranks and counts exactly as Whoosh's searcher would, also
after updates have left deleted documents behind, and phrases match only words side by side."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from webapp.model import Article, topic_for
from webapp.search import analysis, indexing, query, ranking

WORDS = [
    "anxiety", "sleep", "worry", "breathing", "therapist", "session", "counsellor", "trust",
    "habit", "routine", "evening", "morning", "panic", "grief", "loss", "family", "partner",
    "work", "stress", "body", "calm", "walk", "talk", "notice", "feeling", "thought",
    "pattern", "change", "small", "step", "kind", "patient", "listen", "support",
]  # fmt: skip


def article(number: int, rng: random.Random) -> Article:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120)))
    return Article(
        slug=f"article-{number}",
        title=" ".join(rng.choice(WORDS) for _ in range(3)).capitalize(),
        summary=" ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + ".",
        date=dt.date(2026, 1, 1) + dt.timedelta(days=number),
        body_html="",
        body_text=body,
        source=f"content/articles/article-{number}.md",
        # Some without topics: an empty field has no length, which scoring must read alike.
        topics=(topic_for(rng.choice(["Sleep", "Worry", "Grief"])),) if number % 10 else (),
    )


def opened(directory):
    """Return Whoosh's own searcher on the index, and the site's ranker on that searcher, as
    the search engine pairs them."""
    searcher = whoosh_index.open_dir(str(directory)).searcher()
    return searcher, ranking.Ranker(searcher, query.FIELDS)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """An index of two segments, the first with deleted (replaced and removed) documents:
    (Whoosh's searcher, the site's ranker)."""
    rng = random.Random(7)
    directory = tmp_path_factory.mktemp("ranking")
    indexing.build_index(directory, [article(n, rng) for n in range(150)])
    changed = [article(n, rng) for n in range(0, 150, 7)] + [article(200, rng)]
    indexing.update_index(directory, changed, removed=["article-3", "article-11"])
    searcher, ranker = opened(directory)
    yield searcher, ranker
    searcher.close()


class CountingSearcher:
    """A searcher that counts the terms read from the index (each read asks for its idf)."""

    def __init__(self, searcher):
        self.searcher, self.reads = searcher, 0

    def idf(self, *args, **kwargs):
        self.reads += 1
        return self.searcher.idf(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.searcher, name)


def terms(word: str) -> list[str]:
    return [token.text for token in analysis.text_analyzer()(word, mode="query")]


def any_field(word: str) -> wq.Query:
    return wq.Or([wq.Term(field, terms(word)[0]) for field in query.FIELDS])


def phrase(*words: str) -> wq.Query:
    stems = [terms(word)[0] for word in words]
    return wq.Or([wq.Phrase(field, stems) for field in query.FIELDS])


QUERIES = {
    "one word": any_field("anxiety"),
    "common word": any_field("sleep"),
    "two words": wq.And([any_field("panic"), any_field("breathing")]),
    "either word": wq.Or([any_field("grief"), any_field("routine")]),
    "phrase": phrase("panic", "breathing"),
    "three-word phrase": phrase("small", "kind", "step"),
    "word and phrase": wq.And([any_field("trust"), phrase("evening", "walk")]),
    "word being typed": wq.Or([wq.Term("body", t) for t in ("talk", "therapist", "trust")]),
    "unknown word": any_field("zebra"),
}


@pytest.mark.parametrize("name", QUERIES)
def test_ranking_and_total_are_whooshs_own(index, name):
    q = QUERIES[name]
    searcher, ranker = index
    expected = searcher.search(q, limit=None)
    # Asked twice: the second is answered from the ranker's kept tables, phrases included.
    for _ in range(2):
        results, total = ranker.rank([q], limit=10)
        assert total == len(expected)
        assert [hit.docnum for hit in results] == [hit.docnum for hit in expected[:10]]
        assert [hit.score for hit in results] == pytest.approx([hit.score for hit in expected[:10]])
    if name != "unknown word":
        assert total > 0, "the query set should exercise matches"


def test_deleted_and_replaced_articles_are_never_found(index):
    q = wq.Or([wq.Term("title", t) for w in WORDS for t in terms(w)])
    _, ranker = index
    results, total = ranker.rank([q], limit=None)
    slugs = [hit["slug"] for hit in results]
    assert "article-3" not in slugs and "article-11" not in slugs
    assert len(slugs) == len(set(slugs)) == total  # a replaced article once, its new version


def test_a_phrase_needs_its_words_side_by_side_and_in_order(tmp_path):
    texts = {
        "together": "Slow breathing helps when panic rises.",
        "apart": "Breathing is slow when you sleep, and panic fades.",
        "reversed": "Helps breathing slow, not the other way round.",
    }
    articles = [
        Article(slug=slug, title="Notes", summary="Notes.", date=dt.date(2026, 1, 1),
                body_html="", body_text=text, source=f"{slug}.md")
        for slug, text in texts.items()
    ]  # fmt: skip
    indexing.build_index(tmp_path, articles)
    searcher, ranker = opened(tmp_path)
    try:
        results, total = ranker.rank([phrase("slow", "breathing")], limit=None)
        assert [hit["slug"] for hit in results] == ["together"]
        assert total == 1
    finally:
        searcher.close()


def test_score_tables_stay_within_their_bound(index, monkeypatch):
    monkeypatch.setattr(ranking, "MAX_CACHED_POSTINGS", 50)
    searcher = CountingSearcher(index[0])
    ranker = ranking.Ranker(searcher, query.FIELDS)
    sizes = [len(ranker.term_scores("body", terms(word)[0])) for word in WORDS]
    assert searcher.reads == len(WORDS)
    # The tables still kept are the most recently used: asked for again, newest first, they
    # are answered without reading the index, until the first that was dropped.
    kept = 0
    for word in reversed(WORDS):
        before = searcher.reads
        ranker.term_scores("body", terms(word)[0])
        if searcher.reads > before:
            break
        kept += 1
    assert 0 < kept < len(WORDS)
    assert sum(sizes[len(WORDS) - kept :]) <= 50 or kept == 1
    # A dropped table is read again, with the same scores.
    again = ranker.term_scores("body", terms(WORDS[0])[0])
    assert again == ranking.Ranker(index[0], query.FIELDS).term_scores("body", terms(WORDS[0])[0])


def test_field_lengths_read_at_once_are_whooshs_own(index):
    reader = index[0].reader()
    segments = list(reader.leaf_readers())
    assert len(segments) > 1
    for segment, _ in segments:
        for field in query.FIELDS:
            expected = [
                segment.doc_field_length(d, field, 1) for d in range(segment.doc_count_all())
            ]
            assert ranking.field_lengths(segment, field, 1) == expected, field


def _public_postings(matcher) -> list[tuple[int, float, bytes]]:
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def test_posting_blocks_are_whooshs_own_postings_read_a_block_at_a_time(index):
    searcher, _ = index
    reader = searcher.reader()
    kinds = set()
    for segment, _ in reader.leaf_readers():
        for field in query.FIELDS:
            for word in WORDS:
                term = terms(word)[0]
                if (field, term) not in segment:
                    continue
                kinds.add(type(segment.postings(field, term)).__name__)
                expected = _public_postings(segment.postings(field, term))
                blocks = ranking.posting_blocks(segment.postings(field, term), values=True)
                found = [row for block in blocks for row in zip(*block, strict=True)]
                assert found == expected, (field, term)
    # The kinds of matcher read in blocks: were Whoosh to rename or replace them, every
    # posting would be read the slow way, and this says so.
    assert kinds == {"W3LeafMatcher", "FilterMatcher"}


def test_field_lengths_are_read_in_one_go_not_document_by_document(index, monkeypatch):
    searcher, _ = index
    reader = searcher.reader()
    for segment, _ in reader.leaf_readers():
        expected = ranking.field_lengths(segment, "body", 1)
        monkeypatch.setattr(segment, "doc_field_length", None)  # the slow way fails
        assert ranking.field_lengths(segment, "body", 1) == expected
