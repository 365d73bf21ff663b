"""The search page as a browser receives it, with and without htmx."""

from __future__ import annotations

import re

import pytest
from flask import render_template

from webapp.search import engine

from .conftest import htmx_headers

RELATIONSHIP = 'href="/articles/the-therapeutic-relationship"'
BANNER = "This is not an emergency service."


def get(client, query: str, **headers):
    return client.get("/search", query_string={"q": query}, headers=headers)


@pytest.mark.parametrize(
    "query", ["relationship", "relat", "therapeutic relationships", "Relationship", "relationship "]
)
def test_relationship_article_is_found(client, query):
    assert RELATIONSHIP in get(client, query).get_data(as_text=True)


def test_american_spelling_finds_british_text(client):
    html = get(client, "counseling").get_data(as_text=True)
    assert 'href="/articles/choosing-a-counsellor"' in html


def test_misspelling_shows_corrected_results_with_both_links(client):
    html = get(client, "therapeutc").get_data(as_text=True)
    assert 'Showing results for <a href="/search?q=therapeutic"><em>therapeutic</em></a>' in html
    assert 'href="/search?q=therapeutc&amp;exact=1"' in html
    assert 'class="result"' in html


def test_nothing_found_offers_topics(client):
    html = get(client, "qqqqzzzz").get_data(as_text=True)
    assert "No results for" in html
    assert 'href="/topics/' in html


def test_plain_request_gets_the_whole_page(client):
    response = get(client, "grief")
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<!doctype html>") and BANNER in html
    assert 'role="search"' in html and 'value="grief"' in html
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_htmx_request_gets_only_the_fragment_with_vary(client):
    response = get(client, "grief", **htmx_headers())
    html = response.get_data(as_text=True)
    assert "<html" not in html and BANNER not in html
    assert 'class="results"' in html
    assert "HX-Request" in response.headers["Vary"]
    assert "HX-History-Restore-Request" in response.headers["Vary"]
    # The count reaches the always-present live region by an out-of-band swap.
    assert re.search(
        r'id="search-status"[^>]*hx-swap-oob="innerHTML">\d+ results? for “grief”', html
    )


def test_history_restore_gets_the_whole_page(client):
    headers = htmx_headers(**{"HX-History-Restore-Request": "true"})
    html = get(client, "grief", **headers).get_data(as_text=True)
    assert "<!doctype html>" in html and BANNER in html


def test_boosted_request_gets_the_whole_page(client):
    html = get(client, "grief", **htmx_headers(**{"HX-Boosted": "true"})).get_data(True)
    assert "<!doctype html>" in html


def test_live_form_has_the_htmx_rules(client):
    html = client.get("/search").get_data(as_text=True)
    form = re.search(r'<form id="search-form"[^>]*>', html, re.S).group(0)
    assert 'action="/search"' in form and 'method="get"' in form and 'role="search"' in form
    assert 'hx-trigger="submit, input changed delay:300ms"' in form
    assert 'hx-sync="this:replace"' in form and 'hx-replace-url="true"' in form
    assert '<p id="search-status" class="visually-hidden" role="status"></p>' in html
    assert "hx-on" not in html and "js:" not in html


def test_pagination_works_without_javascript(app, client):
    app.config["SEARCH_PAGE_SIZE"] = 2
    first = get(client, "therapy").get_data(as_text=True)
    assert "Page 1 of" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_link).get_data(as_text=True)
    assert "Page 2 of" in second and "<!doctype html>" in second
    assert re.findall(r'<li class="result">', first) != [] and first != second


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999", "", "1.5", "²", "%00"])
def test_odd_page_numbers_give_a_sensible_page(client, page):
    response = client.get("/search", query_string={"q": "anxiety", "page": page})
    assert response.status_code == 200
    assert "results for" in response.get_data(as_text=True)


CRISIS = [
    "suicide",
    "I want to die",
    "self-harm",
    "selfharm",
    "how to kill myself",
    "ending my life",
    "Overdose",
    "SUICIDAL thoughts",
    "don’t want to live",
    "I don't want to be here anymore",
    "i cant go on",
    "unalive myself",
    "kms",
    "suicdal thoughts",
]
ORDINARY = ["self esteem", "self care", "safety", "life changes", "grief", "self-compassion"]


@pytest.mark.parametrize("query", CRISIS)
def test_crisis_queries_show_support_before_any_result(client, query):
    html = get(client, query).get_data(as_text=True)
    panel = html.index('class="crisis"')
    assert "Samaritans" in html[panel:] and 'href="tel:116123"' in html[panel:]
    assert "85258" in html[panel:] and "111" in html[panel:] and "999" in html[panel:]
    results = html.find('class="result"')
    assert results == -1 or panel < results


@pytest.mark.parametrize("query", CRISIS[:3])
def test_crisis_panel_is_in_the_htmx_fragment_too(client, query):
    html = get(client, query, **htmx_headers()).get_data(as_text=True)
    assert html.lstrip().startswith('<section class="crisis"')


def test_a_crisis_said_at_the_end_of_a_long_search_still_shows_support(client):
    # Only the first SEARCH_MAX_QUERY_LENGTH characters are searched; the whole is read for
    # a crisis (a message pasted into the box, or typed where the box sets no limit).
    query = (
        "i have been feeling really low for weeks and work is awful and my partner left me "
        "and my friends have stopped messaging and i cannot sleep and honestly i have had "
        "enough of everything and i just want to kill myself"
    )
    assert len(query) > client.application.config["SEARCH_MAX_QUERY_LENGTH"]
    assert 'class="crisis"' in get(client, query).get_data(as_text=True)


def _result_slugs(html: str) -> list[str]:
    return re.findall(r'<li class="result[^"]*">.*?<a href="/articles/([^"]+)"', html, re.S)


@pytest.mark.parametrize(
    ("query", "first"),
    [("my husband hits me", "recognising-an-unhealthy-relationship"),
     ("domestic violence help", "recognising-an-unhealthy-relationship"),
     ("i was raped last night", "understanding-trauma-responses"),
     ("panic attack right now cant breathe", "panic-attacks-what-helps"),
     ("i want to kill myself", "when-low-mood-becomes-depression")],
)  # fmt: skip
def test_a_crisis_search_leads_with_the_support_its_kind_of_crisis_needs(client, query, first):
    # Someone in danger from a partner needs the article with the domestic abuse helpline
    # first, not the one on low mood the other crisis searches lead with.
    html = get(client, query).get_data(as_text=True)
    assert 'class="crisis"' in html
    assert _result_slugs(html)[0] == first


def test_a_crisis_search_counts_its_results_the_same_on_every_page(client):
    # The support articles lead every page's count once, whether or not they are among the
    # hits ranked for that page ("help" is in every article; it once said 20, then 18).
    counts = set()
    for page in (1, 2):
        html = client.get("/search", query_string={"q": "help", "page": page}).get_data(True)
        assert 'class="crisis"' in html
        counts.add(re.search(r'<h2 class="result-count">([^<]+)</h2>', html)[1])
    assert len(counts) == 1, counts


def _missing_note(html: str) -> str | None:
    found = re.search(r'<p class="missing">(.*?)</p>', html, re.S)
    return found.group(1) if found else None


def test_results_that_match_only_some_words_say_which_words_nothing_mentions(client):
    # "bipolar symptoms" lists an article for "symptoms" alone: a visitor should know that
    # nothing here is about bipolar disorder, not guess it from the results.
    html = get(client, "bipolar symptoms").get_data(as_text=True)
    assert _result_slugs(html)
    assert _missing_note(html) == (
        "Nothing on this site mentions “bipolar”: these results match your other words."
    )
    assert _missing_note(get(client, "adhd or bipolar sleep").get_data(as_text=True)) == (
        "Nothing on this site mentions “adhd” or “bipolar”: these results match your other words."
    )
    # Words the site has, filler, a word still being typed and everyday words the synonyms
    # join to the articles' words are never named.
    for query in ["grief", "ok so how do i sleep better", "sleep bipo", "lost my mum"]:
        assert _missing_note(get(client, query).get_data(as_text=True)) is None, query
    # With no results at all the page says so, and under the crisis panel nothing is named.
    assert _missing_note(get(client, "bipolar").get_data(as_text=True)) is None
    assert _missing_note(get(client, "adhd and i want to die").get_data(as_text=True)) is None


@pytest.mark.parametrize("query", ORDINARY)
def test_ordinary_queries_do_not_show_the_crisis_panel(client, query):
    assert 'class="crisis"' not in get(client, query).get_data(as_text=True)


HOSTILE = [
    '"unbalanced',
    "(((",
    "AND OR NOT",
    "title:grief",
    "*",
    "?",
    "~2",
    "^3",
    "<script>alert(1)</script>",
    "\x00\x01\x1f",
    "x" * 5000,
    "🙂" * 50,
    "\u202etxet",
    "a" * 3 + "*" * 300,
    "' OR 1=1 --",
    "%s%s%n",
    "\\",
    "&lt;b&gt;",
]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("htmx", [False, True])
def test_hostile_queries_give_an_escaped_page(client, query, htmx):
    response = get(client, query, **(htmx_headers() if htmx else {}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html


def test_entities_typed_by_a_visitor_are_shown_as_typed(client):
    html = get(client, "&lt;b&gt;").get_data(as_text=True)
    assert 'value="&amp;lt;b&amp;gt;"' in html


@pytest.mark.parametrize(
    ("total", "words"),
    [(0, "No results"), (1, "1 result"), (7, "7 results"), (12345, "12,345 results")],
)
def test_result_count_reads_naturally(app, total, words):
    results = engine.SearchResults("help", [], total, 1, 0, None)
    with app.test_request_context("/search?q=help"):
        html = render_template("_search_results.html", results=results, crisis=None)
    assert f'<h2 class="result-count">{words} for “help”</h2>' in html
