"""Search as a visitor meets it: words find articles whatever their spelling, typos get a
"Did you mean", snippets are safe HTML, odd input never breaks anything, and related
articles are related."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from webapp.authoring import rendering
from webapp.model import Article, topic_for
from webapp.search import analysis, engine, indexing, query, snippets, tuning, vocabulary
from webapp.search.related import compute_related


def article(slug, title, body, summary="A short summary.", topics=(), date="2026-01-01", **kw):
    """Return a public Article built in memory, as content.read_article would."""
    return Article(
        slug=slug,
        title=title,
        summary=summary,
        date=dt.date.fromisoformat(date),
        body_html=kw.pop("body_html", ""),
        body_text=body,
        source=f"content/articles/{slug}.md",
        topics=tuple(topic_for(t) for t in topics),
        **kw,
    )


LIBRARY = [
    article(
        "the-therapeutic-relationship",
        "The therapeutic relationship",
        "The therapeutic relationship is the bond of trust between you and your therapist. "
        "Rupture and repair happen in every good relationship. Talk to your counsellor about "
        "how the relationship feels.",
        summary="Why the connection with your therapist matters.",
        topics=["relationships", "therapy basics"],
        date="2026-03-14",
    ),
    article(
        "trust-and-your-therapist",
        "Building trust with your therapist",
        "A therapeutic approach works best with trust. The relationship with a therapist "
        "grows over sessions, and relationships need honesty and repair.",
        topics=["relationships"],
        date="2026-02-01",
    ),
    article(
        "couples-and-conflict",
        "Couples and conflict",
        "Couples argue. Conflict in relationships is normal; partners who repair after a "
        "rupture build trust in the relationship.",
        topics=["relationships"],
        date="2026-01-20",
    ),
    article(
        "understanding-anxiety",
        "Understanding anxiety",
        "Anxiety is a feeling of worry or fear. Worrying about panic changes behaviour, and "
        "avoidance keeps anxiety going.",
        summary="What anxiety is and why it lingers.",
        topics=["anxiety"],
        date="2026-01-10",
    ),
    article(
        "growing-tomatoes",
        "Growing tomatoes",
        "Sow tomato seeds in compost, water the seedlings daily, and pinch out side shoots. "
        "Tomatoes like sunny greenhouses and rich loam.",
        summary="Gardening notes.",
        date="2025-06-01",
    ),
    article(
        "unsafe-markup",
        "Markup in text",
        "Someone wrote <script>alert('boo')</script> & <b>bold</b> in the text about alerts.",
        summary="Contains markup-like text.",
        date="2025-05-01",
    ),
    article(
        "summary-only",
        "A quiet page",
        "Nothing of note here.",
        summary="Mindfulness exercises for busy evenings.",
        date="2025-04-01",
    ),
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("search") / "whoosh"
    indexing.build_index(directory, LIBRARY)
    return directory


@pytest.fixture(scope="module")
def ix(index_dir):
    opened = engine.SearchIndex(index_dir)
    yield opened
    opened.close()


def slugs(results):
    return [hit.slug for hit in results.hits]


# --- building ----------------------------------------------------------------------------


def test_build_counts_documents_skips_drafts_and_reports_progress(tmp_path):
    calls = []
    draft = article("a-draft", "Draft", "unpublished words", draft=True)
    written = indexing.build_index(tmp_path / "ix", [*LIBRARY[:3], draft], progress=calls.append)
    assert written == 3
    assert calls == [1, 1, 1, 1]
    opened = engine.SearchIndex(tmp_path / "ix")
    try:
        assert opened.doc_count() == 3
        assert opened.search("unpublished").total == 0
    finally:
        opened.close()


def test_doc_count(ix):
    assert ix.doc_count() == len(LIBRARY)


def test_empty_library_builds_a_searchable_empty_index(tmp_path):
    assert indexing.build_index(tmp_path / "ix", []) == 0
    opened = engine.SearchIndex(tmp_path / "ix")
    try:
        results = opened.search("anything")
        assert (results.total, results.pages, results.hits) == (0, 0, [])
        assert opened.doc_count() == 0
    finally:
        opened.close()


def test_related_on_an_empty_or_one_article_index(tmp_path):
    indexing.build_index(tmp_path / "empty", [])
    lone = article("lone", "Lone", "Only words.", topics=["solo"])
    assert compute_related(tmp_path / "empty", {}) == {}
    assert compute_related(tmp_path / "empty", {"lone": lone}) == {"lone": []}
    indexing.build_index(tmp_path / "one", [lone])
    assert compute_related(tmp_path / "one", {"lone": lone}) == {"lone": []}


def test_update_index_replaces_adds_and_deletes(tmp_path):
    directory = tmp_path / "ix"
    indexing.build_index(directory, LIBRARY)
    changed = article("understanding-anxiety", "Understanding anxiety", "Now about zeppelins.")
    added = article("new-article", "Brand new", "Kayaking on quiet rivers.")
    # index.update lists a changed slug among the removed too: the new version must survive.
    indexing.update_index(
        directory, [changed, added], ["growing-tomatoes", "understanding-anxiety"]
    )
    opened = engine.SearchIndex(directory)
    try:
        assert slugs(opened.search("zeppelins")) == ["understanding-anxiety"]
        assert slugs(opened.search("kayaking")) == ["new-article"]
        assert opened.search("tomatoes").total == 0
        assert opened.search("worry").total == 0  # the old text is gone
        assert opened.doc_count() == len(LIBRARY) - 1 + 1
        assert "<mark>zeppelins</mark>" in opened.search("zeppelins").hits[0].snippet_html
    finally:
        opened.close()
    # Related lists read the updated index too, now split across segments.
    articles = {a.slug: a for a in [*LIBRARY[:4], changed, added]}
    lists = compute_related(directory, articles)
    assert "growing-tomatoes" not in {slug for found in lists.values() for slug in found}
    assert "trust-and-your-therapist" in lists["the-therapeutic-relationship"]


def test_a_new_index_warmed_from_the_one_it_replaces_answers_from_its_own_articles(tmp_path):
    # A server warms a new generation with what was searched lately on the old one. Only which
    # searches carries over, never their results: the new generation's first visitors see
    # its new articles, ranked by its own statistics.
    indexing.build_index(tmp_path / "old", LIBRARY)
    added = article("repair-after-rupture", "Repair after a rupture",
                    "Rupture and repair: a relationship with your therapist can survive a "
                    "rupture, and repair builds trust.")  # fmt: skip
    indexing.build_index(tmp_path / "new", [*LIBRARY, added])
    old, new, cold = (engine.SearchIndex(tmp_path / name) for name in ("old", "new", "new"))
    searches = ['"rupture and repair"', "relationship trust", "therapist rel"]
    try:
        for text in searches:
            old.search(text)
        new.warm(previous=old)
        tables, prefixes = old.recently_searched()
        warmed_tables, warmed_prefixes = new.recently_searched()
        assert tables and "rel" in prefixes
        assert set(tables) <= set(warmed_tables) and "rel" in warmed_prefixes
        for text in searches:
            warmed, fresh = new.search(text), cold.search(text)
            assert "repair-after-rupture" in slugs(warmed)
            assert slugs(warmed) == slugs(fresh) and warmed.total == fresh.total
    finally:
        for opened in (old, new, cold):
            opened.close()


def test_warming_loads_the_english_word_list_and_opening_alone_does_not(tmp_path):
    # A server warms each generation before it serves it, so no visitor's first misspelt
    # search waits for the word list; pre-rendering opens the index to render pages and
    # never searches, so it does not pay for loading the list. A fresh process: the list is
    # loaded once per process.
    indexing.build_index(tmp_path / "ix", LIBRARY)
    script = (
        "import sys\n"
        "from webapp.search import engine, spelling\n"
        "opened = engine.SearchIndex(sys.argv[1])\n"
        "print(spelling._english is not None)\n"
        "opened.warm()\n"
        "print(spelling._english is not None)\n"
        "opened.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "ix")],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.split() == ["False", "True"]


def test_an_index_opened_after_another_does_not_stem_the_same_words_again(tmp_path, monkeypatch):
    # An index update, the preview and a server switching generations open one index after
    # another: each opened index's analyzer finds the words the last one already stemmed.
    from whoosh.analysis import StemFilter

    stemmed = []
    real_stem = StemFilter.__call__

    def counting_stem(self, tokens):
        for token in real_stem(self, tokens):
            stemmed.append(token.text)
            yield token

    monkeypatch.setattr(StemFilter, "__call__", counting_stem)
    text = "Quokkas wandering through moonlit eucalyptus groves, quokkas everywhere."
    counts = []
    for name in ("first", "second"):
        indexing.build_index(tmp_path / name, LIBRARY[:2])
        analyzer = whoosh_index.open_dir(str(tmp_path / name)).schema["body"].analyzer
        before = len(stemmed)
        counts.append(analyzer.counts(text))
        if name == "first":
            assert len(stemmed) > before  # new words: the chain ran
        else:
            assert len(stemmed) == before  # the same words: it did not run again
    assert counts[0] == counts[1] and counts[0]["quokka"] == 2


def test_update_index_deletes_an_article_turned_draft(tmp_path):
    directory = tmp_path / "ix"
    indexing.build_index(directory, LIBRARY)
    indexing.update_index(directory, [article("growing-tomatoes", "T", "x", draft=True)], [])
    opened = engine.SearchIndex(directory)
    try:
        assert opened.search("tomatoes").total == 0
    finally:
        opened.close()


# --- matching ----------------------------------------------------------------------------


def test_hit_carries_what_the_results_page_shows(ix):
    hit = ix.search("bond of trust ").hits[0]
    assert hit.slug == "the-therapeutic-relationship"
    assert hit.title == "The therapeutic relationship"
    assert hit.summary == "Why the connection with your therapist matters."
    assert hit.topics == (topic_for("relationships"), topic_for("therapy basics"))
    assert hit.date == dt.date(2026, 3, 14)


def test_stemming_finds_other_forms(ix):
    assert "the-therapeutic-relationship" in slugs(ix.search("relationships "))
    assert "understanding-anxiety" in slugs(ix.search("worries "))


def test_title_match_ranks_first(ix):
    assert slugs(ix.search("relationship "))[0] == "the-therapeutic-relationship"


def test_articles_holding_every_word_come_first(ix):
    assert slugs(ix.search("couples trust "))[0] == "couples-and-conflict"


def test_phrase_matches_only_adjacent_words(ix):
    results = ix.search('"therapeutic relationship"')
    assert slugs(results) == ["the-therapeutic-relationship"]
    # Without quotes the words need not be adjacent.
    assert "trust-and-your-therapist" in slugs(ix.search("therapeutic relationship "))


def test_unbalanced_quote_is_ignored(ix):
    assert "trust-and-your-therapist" in slugs(ix.search('"therapeutic relationship'))


def test_operators_and_fields_are_just_words(ix):
    assert ix.search("anxiety AND").total == ix.search("anxiety").total
    assert slugs(ix.search("title:anxiety")) == slugs(ix.search("title anxiety"))
    assert "understanding-anxiety" in slugs(ix.search("anxiety* OR (worry)"))


@pytest.mark.parametrize("typed", ["relat", "re", "Relationsh", "thera"])
def test_last_word_is_a_prefix_as_you_type(ix, typed):
    assert "the-therapeutic-relationship" in slugs(ix.search(typed))


def test_prefix_from_two_characters_only(ix):
    assert ix.search("couples r").total == ix.search("couples ").total
    assert slugs(ix.search("couples re"))[0] == "couples-and-conflict"  # "re" completes


def test_stop_words_are_never_completed(ix):
    assert ix.search("an").total == 0  # would light up every "an…" word
    assert slugs(ix.search("worry an")) == slugs(ix.search("worry "))


def test_finished_word_is_not_a_prefix(ix):
    assert ix.search("relat ").total == 0
    assert ix.search('"relat"').total == 0


def test_prefix_expansion_is_bounded(tmp_path):
    words = [f"ab{chr(97 + n // 26)}{chr(97 + n % 26)}x" for n in range(300)]
    docs = [
        article(f"d{n}", f"Title {w}", f"{w} {'abaax ' * (n == 0)}") for n, w in enumerate(words)
    ]
    indexing.build_index(tmp_path / "ix", docs)
    opened = engine.SearchIndex(tmp_path / "ix")
    known = vocabulary.read(tmp_path / "ix" / vocabulary.FILE)
    try:
        with whoosh_index.open_dir(str(tmp_path / "ix")).reader() as reader:
            pairs = query.completions(reader, known, analysis.text_analyzer(), "ab")
        fields = [field for field, _ in pairs]
        assert fields.count("body") <= tuning.MAX_COMPLETIONS
        assert fields.count("title") <= tuning.TITLE_COMPLETIONS
        assert ("body", "abaax") in pairs  # the most frequent completion is kept
        # The price of bounded work: a two-letter prefix reaches only the commonest words.
        results = opened.search("ab", page_size=100)
        assert "d0" in slugs(results)
        assert results.total <= tuning.MAX_COMPLETIONS + tuning.TITLE_COMPLETIONS
    finally:
        opened.close()


def test_multi_word_query_falls_back_to_any_word(ix):
    results = ix.search("tomatoes anxiety ")
    assert results.suggestion is None
    assert set(slugs(results)) == {"growing-tomatoes", "understanding-anxiety"}


def test_empty_and_stop_word_queries_find_nothing(ix):
    for text in ["", "   ", "the and of", '""', "*?!"]:
        results = ix.search(text)
        assert (results.total, results.hits, results.pages, results.page) == (0, [], 0, 1)
        assert results.suggestion is None


def test_query_is_capped_and_shown_back_cleaned(ix):
    results = ix.search("anxiety\x00  worry " + "x" * 500, max_length=50)
    assert len(results.query) <= 50
    assert results.query.startswith("anxiety worry x")
    # A trailing space survives, so a link built from it repeats the same search.
    assert ix.search("anxiety ").query == "anxiety "


# --- highlights --------------------------------------------------------------------------


def test_snippet_marks_matches_in_the_body(ix):
    snippet = ix.search("rupture ").hits[0].snippet_html
    assert "<mark>Rupture</mark>" in snippet or "<mark>rupture</mark>" in snippet


def test_snippet_escapes_markup_in_the_text(ix):
    hit = ix.search("alert ").hits[0]
    assert hit.slug == "unsafe-markup"
    assert "<script" not in hit.snippet_html and "<b>" not in hit.snippet_html
    # A short body is shown whole: no word cut at either end.
    assert hit.snippet_html == (
        "Someone wrote &lt;script&gt;<mark>alert</mark>(&#x27;boo&#x27;)&lt;/script&gt; &amp; "
        "&lt;b&gt;bold&lt;/b&gt; in the text about <mark>alerts</mark>."
    )


def first_snippet(folder, one_article, text):
    """Index one article in `folder` and return the snippet of its hit for `text`."""
    indexing.build_index(folder, [one_article])
    opened = engine.SearchIndex(folder)
    try:
        return opened.search(text).hits[0].snippet_html
    finally:
        opened.close()


def test_snippet_of_a_long_body_is_two_short_fragments(tmp_path):
    body = "Opening words. " + "Filler text here. " * 40 + "A target word. " + "More. " * 60
    body += "Another target at the end."
    snippet = first_snippet(tmp_path / "ix", article("long", "Long", body), "target ")
    assert snippet.startswith("…") and snippet.count("<mark>target</mark>") == 2
    assert "Opening" not in snippet and len(snippet) < 400
    assert snippet.endswith("the end.")  # the text's own end, not a cut-off word
    # One ellipsis where text is left out between the fragments, not one from each side.
    first, second = snippet.removeprefix("…").split(" … ")
    assert "<mark>target</mark>" in first and "<mark>target</mark>" in second
    assert "…" not in first + second


def test_snippet_keeps_headings_and_list_items_apart_from_what_follows(tmp_path):
    html, _ = rendering.render_markdown(
        "Some calm words.\n\n## Why it happens\n\nPanic is an alarm.\n\n"
        "- Slow breathing\n- A short walk\n\n## What next?\n\nTalk to someone.\n\n"
        "It can bring:\n\n- tiredness\n- poor sleep\n- *worry*\n\nThe end"
    )
    body = rendering.html_to_text(html)
    assert body == (
        "Some calm words. Why it happens. Panic is an alarm. Slow breathing. A short walk. "
        "What next? Talk to someone. It can bring: tiredness; poor sleep; worry. The end"
    )
    snippet = first_snippet(tmp_path / "ix", article("panic", "Panic", body), "alarm walk")
    assert "Why it happens. Panic is an <mark>alarm</mark>. Slow breathing. A short " in snippet


def linking_article(slug: str, markdown: str, title: str = "Kites") -> Article:
    """Return an article whose body is rendered from Markdown, as the reader does."""
    html, _ = rendering.render_markdown(markdown)
    body = rendering.html_to_text(html)
    spans = rendering.article_link_spans(html, body)
    return article(slug, title, body, body_html=html, link_spans=spans)


def test_the_words_of_a_link_to_another_article_are_placed_exactly():
    html, _ = rendering.render_markdown(
        "Windy days. See [marmalade *sandwiches*](/articles/marmalade) and "
        "[the other site](https://example.org).\n\n- [Tea & toast](/articles/toast)"
    )
    body = rendering.html_to_text(html)
    spans = rendering.article_link_spans(html, body)
    assert [body[start:end] for start, end in spans] == ["marmalade sandwiches", "Tea & toast"]
    # Text that holds the marks itself is never placed wrongly: nothing is placed.
    odd = html.replace("Windy", "Windy \ue000")
    assert rendering.article_link_spans(odd, rendering.html_to_text(odd)) == ()


def test_an_article_is_no_result_for_the_words_of_its_link_to_another(tmp_path):
    # "See [marmalade sandwiches](...)" names the other article; a search for marmalade
    # wants that article, not every article that links to it.
    linking = linking_article(
        "kites", "Kites fly on windy days. See [marmalade sandwiches](/articles/marmalade)."
    )
    linked = article("marmalade", "Marmalade sandwiches", "Bread, butter and marmalade.")
    indexing.build_index(tmp_path / "ix", [linking, linked])
    opened = engine.SearchIndex(tmp_path / "ix")
    try:
        assert slugs(opened.search("marmalade sandwiches")) == ["marmalade"]
        # The result's lines still show the link's words where the article has them.
        assert "marmalade sandwiches" in opened.search("windy days").hits[0].snippet_html
    finally:
        opened.close()


def test_snippet_cut_after_a_whole_sentence_says_so_with_a_space(tmp_path):
    body = "A calm opening line here. " * 3 + "The river is wide. " + "Other words follow. " * 30
    snippet = first_snippet(tmp_path / "ix", article("river", "River", body), "river")
    assert snippet.endswith(". …") and ".…" not in snippet


def test_snippet_work_is_bounded_whatever_the_articles_length(tmp_path, monkeypatch):
    # About 900,000 characters (under the 1 MB a file may hold), with "harbour" early on and
    # then every few words to the end: 60,000 matches in one document.
    body = "The harbour was calm that morning. " + "Boats rest in the harbour here. " * 28_000
    long_one = article("long", "Long", body, summary="About boats.")
    only_late = article(
        "late", "Late", "Plain words. " * 5_000 + "A lighthouse at last.", summary="A lighthouse."
    )
    given = []
    fragment = snippets._FRAGMENTER.fragment_matches
    monkeypatch.setattr(
        snippets._FRAGMENTER,
        "fragment_matches",
        lambda text, tokens: given.append((len(text), len(tokens))) or fragment(text, tokens),
    )
    folder = tmp_path / "ix"
    indexing.build_index(folder, [long_one, only_late])
    opened = engine.SearchIndex(folder)
    try:
        snippet = opened.search("harbour").hits[0].snippet_html
        assert snippet.count("<mark>harbour</mark>") >= 2 and len(snippet) < 400
        # Only the matches in the first SNIPPET_CHARS characters were made into tokens, and
        # only that much text (and a little context) was handed on.
        [(chars, tokens)] = given
        assert chars <= snippets.SNIPPET_CHARS + 100
        assert tokens <= snippets.SNIPPET_CHARS // len("Boats rest in the harbour here. ") + 1
        # A word found only near the start is shown there.
        calm = opened.search("calm").hits[0].snippet_html
        assert calm.startswith("The harbour was <mark>calm</mark> that morning.")
        # A word only found further on than that gives the summary, not a scan to find it.
        late = opened.search("lighthouse").hits[0]
        assert (late.slug, late.snippet_html) == ("late", "A <mark>lighthouse</mark>.")
    finally:
        opened.close()


def test_snippet_falls_back_to_the_summary_then_to_nothing(ix):
    hit = ix.search("mindfulness ").hits[0]
    assert hit.snippet_html == "<mark>Mindfulness</mark> exercises for busy evenings."
    title_only = ix.search("quiet ").hits[0]
    assert (title_only.slug, title_only.snippet_html) == ("summary-only", "")


# --- did you mean ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("therapeutc", "therapeutic"),
        ("anxeity", "anxiety"),
        ("anxeity relatonship", "anxiety relationship"),
        ('"therapeutc relationship"', '"therapeutic relationship"'),
        ('"the therapeutc relationship"', '"the therapeutic relationship"'),
        ("Anxeity", "anxiety"),
        ("the compots", "the compost"),
    ],
)
def test_misspelt_words_are_searched_as_the_real_words_they_were_meant_to_be(ix, typed, corrected):
    results = ix.search(typed)
    assert results.total > 0
    assert results.corrected == corrected
    assert ix.search(typed, correct=False).total == 0


@pytest.mark.parametrize(
    ("typed", "spaced", "first"),
    [
        ("growingtomatoes", "growing tomatoes", "growing-tomatoes"),
        ("therapeuticrelationship", "therapeutic relationship", "the-therapeutic-relationship"),
        ("worryaboutpanic", "worry about panic", "understanding-anxiety"),
    ],
)
def test_words_typed_without_spaces_are_searched_spaced_out(ix, typed, spaced, first):
    results = ix.search(typed)
    assert results.corrected == spaced
    assert slugs(results)[0] == first
    assert results.query == typed  # the search box keeps what was typed
    assert ix.search(typed, correct=False).total == 0


@pytest.mark.parametrize(
    ("typed", "meant", "commoner"),
    [
        ("worying", "worrying", "working"),  # a doubled letter typed once, not y for k
        ("slepe", "sleep", "slope"),  # two letters swapped, not e for o
    ],
)
def test_of_two_words_equally_near_the_likelier_slip_wins_over_the_commoner(
    tmp_path, typed, meant, commoner
):
    path = tmp_path / vocabulary.FILE
    vocabulary.write(path, vocabulary.count([f"{commoner} notes"] * 5 + [f"{meant} notes"]))
    assert query.correction(vocabulary.read(path), typed) == (meant, True)


def test_a_slip_is_corrected_before_it_is_split_and_english_words_stay_whole(ix):
    assert ix.search("worryin fear").corrected == "worrying fear"  # not "worry in fear"
    assert ix.search("notable").corrected is None  # never "not able"


def test_words_under_five_letters_are_not_corrected(ix):
    assert ix.search("bnod").corrected is None  # Meilisearch's budget: no typo in short words


def test_no_suggestion_when_something_was_found_or_nothing_is_close(ix):
    assert ix.search("anxiety").suggestion is None
    assert ix.search("qqqqzzzz").suggestion is None


# --- pagination --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    directory = tmp_path_factory.mktemp("many") / "whoosh"
    indexing.build_index(
        directory, [article(f"sleep-{n:02}", f"Sleep note {n}", "Sleep well.") for n in range(25)]
    )
    opened = engine.SearchIndex(directory)
    yield opened
    opened.close()


def test_pages_of_ten(many):
    first = many.search("sleep")
    assert (first.total, first.pages, first.page, len(first.hits)) == (25, 3, 1, 10)
    pages = [many.search("sleep", page=n).hits for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert len({hit.slug for page in pages for hit in page}) == 25


@pytest.mark.parametrize(("asked", "shown"), [(0, 1), (-5, 1), (3, 3), (4, 3), (10**9, 3)])
def test_page_is_clamped_into_range(many, asked, shown):
    results = many.search("sleep", page=asked)
    assert results.page == shown
    assert results.hits


def test_page_size(many):
    results = many.search("sleep", page=4, page_size=7)
    assert (results.pages, results.page, len(results.hits)) == (4, 4, 4)


def test_one_searcher_serves_threads(many):
    expected = slugs(many.search("sleep", page=2))
    seen = []

    def run():
        seen.extend(slugs(many.search("sleep", page=2)) == expected for _ in range(10))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [True] * 60


# --- British and American spellings ------------------------------------------------------

SPELLINGS = [
    ("recognize", "recognise"), ("organization", "organisation"), ("realized", "realised"),
    ("apologizing", "apologising"), ("criticize", "criticise"), ("emphasizes", "emphasises"),
    ("minimize", "minimise"), ("analyze", "analyse"), ("paralyzed", "paralysed"),
    ("behavior", "behaviour"), ("behavioral", "behavioural"), ("color", "colour"),
    ("favorite", "favourite"), ("honor", "honour"), ("neighborhood", "neighbourhood"),
    ("humor", "humour"), ("labor", "labour"), ("rumors", "rumours"), ("harbor", "harbour"),
    ("endeavor", "endeavour"), ("catalog", "catalogue"), ("dialog", "dialogue"),
    ("monologs", "monologues"), ("counseling", "counselling"), ("counselor", "counsellor"),
    ("traveling", "travelling"), ("modeling", "modelling"), ("labeled", "labelled"),
    ("canceled", "cancelled"), ("fulfill", "fulfil"), ("fulfillment", "fulfilment"),
    ("enroll", "enrol"), ("skillful", "skilful"), ("defense", "defence"),
    ("offense", "offence"), ("license", "licence"), ("practicing", "practising"),
    ("center", "centre"), ("fiber", "fibre"), ("meter", "metre"), ("theater", "theatre"),
    ("program", "programme"), ("mold", "mould"), ("gray", "grey"),
    ("pediatric", "paediatric"), ("anemia", "anaemia"), ("estrogen", "oestrogen"),
    ("esthetic", "aesthetic"), ("judgment", "judgement"), ("aging", "ageing"),
    ("skeptical", "sceptical"), ("dishonor", "dishonour"), ("learned", "learnt"),
]  # fmt: skip


@pytest.fixture(scope="module")
def spelled(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spelling") / "whoosh"
    docs = []
    for n, (us, uk) in enumerate(SPELLINGS):
        docs += [article(f"us-{n}", "Note", f"Plain {us} text."),
                 article(f"uk-{n}", "Note", f"Plain {uk} text.")]  # fmt: skip
    indexing.build_index(directory, docs)
    opened = engine.SearchIndex(directory)
    yield opened
    opened.close()


@pytest.mark.parametrize(("n", "pair"), list(enumerate(SPELLINGS)), ids=[p[0] for p in SPELLINGS])
def test_british_and_american_spellings_meet(spelled, n, pair):
    for spelling in pair:
        # The trailing space says the word is finished, so this is not a prefix match.
        found = set(slugs(spelled.search(spelling + " ", page_size=100)))
        assert {f"us-{n}", f"uk-{n}"} <= found, spelling


@pytest.mark.parametrize("typed", ["organiz", "behavio", "colo", "counsel"])
def test_prefixes_meet_across_spellings(spelled, typed):
    found = slugs(spelled.search(typed, page_size=100))
    assert any(slug.startswith("uk-") for slug in found)


@pytest.mark.parametrize(
    "word",
    [
        "for",
        "door",
        "floor",
        "motor",
        "doctor",
        "error",
        "mirror",
        "terror",
        "anchor",
        "author",
        "major",
        "minor",
        "factor",
        "actor",
        "sponsor",
        "tutor",
        "mentor",
        "inferior",
        "size",
        "prize",
        "seize",
        "citizen",
        "horizon",
        "blog",
        "dog",
        "log",
        "tour",
        "four",
        "pour",
        "poor",
        "model",
        "travel",
        "counsel",
        "dial",
    ],  # fmt: skip
)
def test_spelling_normaliser_leaves_other_words_alone(word):
    assert analysis.canonical_spelling(word) == word


def test_spelling_normaliser_is_idempotent():
    for british in analysis.SPELLINGS.values():
        assert analysis.canonical_spelling(british) == british


# --- hostile input -----------------------------------------------------------------------

HOSTILE = [
    '"', '"""', '""', "'", "(", ")", "[", "]", "{", "}", "((anxiety", "anxiety)]}",
    '"unbalanced quote', 'two "phrases" "and one', "AND", "OR", "NOT", "AND OR NOT",
    "anxiety AND OR NOT worry", "title:foo", "body:", ":", "slug:the-therapeutic-relationship",
    "*", "?", "a*", "*a", "re*", "~2", "anxiety~2", "^3", "anxiety^3", "[a TO z]", "{a TO z}",
    "\\", "\\\\", "/", "anxiety/worry", "+anxiety -worry", "!!!", "%00", "\x00", "\x00anxiety",
    "anx\x00iety", "\x01\x02\x1f\x7f", "\t\n\r", "\ud800", "anxiety\udfff", "\udc80\ud800",
    "😀", "anxiety 😀", "👨‍👩‍👧", "مرحبا بالعالم", "\u202eytixna", "שלום", "e\u0301" * 50,
    "a" + "\u0301" * 500, "Ｒｅｌａｔｉｏｎｓｈｉｐ", "ﬁne", "x" * 10_000, "anxiety " * 1_000,
    " ".join(f"word{n}" for n in range(1_000)), "a " * 5_000, "aa", "a" * 199 + "b",
    "'; DROP TABLE articles; --", "1 OR 1=1", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "alert <script", "&lt;script&gt;", "...", "-- ++ ~~",
    "the of and", "to be or not to be", "12345", "3.14159", "_", "__init__", "\u200b",
    "\ufeff", "\uffff", "\U0010ffff", "NaN", "None", "null", "%s%s%s", "{0}", "${x}",
]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{n}" for n in range(len(HOSTILE))])
def test_hostile_input_is_just_words(ix, text):
    for page in (1, 2):
        results = ix.search(text, page=page)
        assert isinstance(results, engine.SearchResults)
        assert isinstance(results.query, str) and len(results.query) <= 200
        assert 0 <= len(results.hits) <= 10
        assert results.total >= len(results.hits)
        assert results.suggestion is None or isinstance(results.suggestion, str)
        for hit in results.hits:
            assert isinstance(hit, engine.Hit)
            assert "<script" not in hit.snippet_html
            assert "<img" not in hit.snippet_html
        results.query.encode("utf-8")  # no lone surrogates survive to a template


def test_hostile_list_is_long_enough():
    assert len(HOSTILE) >= 40


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_parses_to_bounded_work(text):
    parsed = query.parse(text, ANALYZER, max_length=200)
    # What is searched for: filler is parsed (the synonyms read it) but only searched when
    # there is nothing else.
    looked_up = sum(len(u.terms) + len(u.alternatives) for u in parsed.meaning)
    assert looked_up + (parsed.prefix is not None) <= query.MAX_TERMS + 1  # the prefix too
    assert len(parsed.shown) <= 200
    assert parsed.prefix is None or query.MIN_PREFIX <= len(parsed.prefix) <= query.MAX_WORD
    # What is shown back searches for exactly the same thing.
    again = query.parse(parsed.shown, ANALYZER, max_length=200)
    assert (again.units, again.prefix) == (parsed.units, parsed.prefix)


ANALYZER = analysis.text_analyzer()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list('abcdefgrst "*?():~^\\-!') + ["\x00", "\ud800", "é"]),
        max_size=60,
    ),
    st.integers(min_value=-3, max_value=50),
)
def test_any_text_searches_without_error(ix, text, page):
    results = ix.search(text, page=page)
    assert 1 <= results.page <= max(results.pages, 1)
    assert all("<script" not in hit.snippet_html for hit in results.hits)


# --- related articles --------------------------------------------------------------------


@pytest.fixture(scope="module")
def related(index_dir):
    return compute_related(index_dir, {a.slug: a for a in LIBRARY})


def test_related_finds_articles_on_the_same_theme(related):
    found = related["the-therapeutic-relationship"]
    assert {"trust-and-your-therapist", "couples-and-conflict"} <= set(found)
    assert "the-therapeutic-relationship" not in found
    assert "growing-tomatoes" not in found


def test_related_leaves_out_articles_with_nothing_in_common(related):
    assert related["growing-tomatoes"] == []


def test_related_is_never_itself_and_at_most_limit(index_dir):
    everything = {a.slug: a for a in LIBRARY}
    lists = compute_related(index_dir, everything, limit=1)
    assert all(len(found) <= 1 and slug not in found for slug, found in lists.items())
    assert lists["the-therapeutic-relationship"] == ["trust-and-your-therapist"]


def test_related_only_names_public_articles_it_was_given(index_dir):
    articles = {a.slug: a for a in LIBRARY if a.slug != "couples-and-conflict"}
    articles["trust-and-your-therapist"] = article(
        "trust-and-your-therapist", "T", "therapist", draft=True
    )
    lists = compute_related(index_dir, articles)
    assert "trust-and-your-therapist" not in lists
    named = {slug for found in lists.values() for slug in found}
    assert not named & {"couples-and-conflict", "trust-and-your-therapist"}


def test_related_for_some_slugs_is_stable(index_dir, related):
    articles = {a.slug: a for a in LIBRARY}
    some = compute_related(index_dir, articles, slugs=["couples-and-conflict", "nope"])
    assert some == {"couples-and-conflict": related["couples-and-conflict"], "nope": []}


# --- understanding people: nearness, coordination, headings --------------------------------


@contextlib.contextmanager
def opened_on(directory, articles):
    """Build an index of these articles and yield it open, closing it after."""
    indexing.build_index(directory, articles)
    opened = engine.SearchIndex(directory)
    try:
        yield opened
    finally:
        opened.close()


def test_words_typed_together_rank_higher_where_they_stand_together(tmp_path):
    filler = "Some ordinary words about everyday life and how people get by. " * 3
    articles = [
        article("apart", "Notes", f"Panic can come at night. {filler} An attack of nerves."),
        article("together", "Notes", f"A panic attack can come at night. {filler}"),
    ]
    with opened_on(tmp_path / "ix", articles) as opened:
        assert slugs(opened.search("panic attack ")) == ["together", "apart"]


def test_an_article_holding_more_meaning_words_ranks_higher(tmp_path):
    articles = [
        article("one-word", "Sleep", "Sleep sleep sleep, and sleep again."),
        article("both", "Notes", "Sleep after a loss: grief keeps many awake."),
    ]
    with opened_on(tmp_path / "ix", articles) as opened:
        assert slugs(opened.search("sleep grief "))[0] == "both"


def test_a_heading_counts_more_than_the_same_word_in_the_body(tmp_path):
    from webapp.model import Heading

    body = "Privacy matters. " + "Other words here. " * 5
    articles = [
        article("mention", "Notes", body),
        article("section", "Notes", body, toc=(Heading(2, "privacy", "Privacy"),)),
    ]
    with opened_on(tmp_path / "ix", articles) as opened:
        assert slugs(opened.search("privacy "))[0] == "section"


def test_an_unsure_guess_is_only_offered_when_nothing_was_found(tmp_path):
    articles = [article("a", "Notes", "Sleep well."), article("b", "Notes", "A sleek design.")]
    with opened_on(tmp_path / "ix", articles) as opened:
        results = opened.search("sleex ")  # one typo from "sleep" and from "sleek"
        assert results.corrected is None and results.total == 0
        assert results.suggestion in ("sleep", "sleek")


def test_an_article_that_mentions_a_subject_in_passing_ranks_below_one_about_it_too(tmp_path):
    # "Night rest" is about sleep. "Mourning" is about loss, with a long aside that holds
    # every sleep word; "Racing thoughts" is about worry and mentions sleep briefly. From the
    # sleep article alone, mourning looks closer; counted both ways, the article whose own
    # wording the sleep article shares more of comes first.
    sleep = "sleep pillow insomnia bedtime dream snore nap drowsy "
    loss = "mourning bereavement funeral widow keepsake memorial condolence "
    worry = "worry racing dread fretting rumination "
    library = [
        article("night-rest", "Night rest", sleep * 6),
        article("mourning", "Mourning", loss * 12 + sleep * 6),
        article("racing-thoughts", "Racing thoughts", worry * 8 + sleep * 2),
        article("comforting-mourners", "Comforting mourners", loss * 5 + "visit listen " * 4),
        article("gardening", "Gardening", "soil seed rake compost mulch trowel " * 5),
    ]
    directory = tmp_path / "whoosh"
    indexing.build_index(directory, library)
    found = compute_related(directory, {a.slug: a for a in library}, slugs=["night-rest"])
    assert found["night-rest"] == ["racing-thoughts", "mourning"]
