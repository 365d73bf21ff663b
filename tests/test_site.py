"""Finding the articles: lists, topics, the Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import feedparser
import pytest
from lxml import etree, html

from webapp.building import pipeline

from .conftest import change_site_settings, make_app

# Not the sample's own base_url, so the tests prove every absolute link comes from settings.
BASE = "https://therapy.example.org"
DRAFT = "draft-coming-soon-working-with-couples"
SITEMAP_SCHEMA = Path(__file__).parent / "schemas" / "sitemap.xsd"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def app(content_dir, index_dir):
    """Return the site published at BASE (written with a trailing slash), four to a page."""
    change_site_settings(content_dir, base_url=BASE + "/")
    return make_app(content_dir, index_dir, LIST_PAGE_SIZE=4)


@pytest.fixture
def library(app):
    """Return the content the site is serving."""
    return app.extensions["live_index"].snapshot().library


def card_links(page_html: str) -> list[str]:
    """Return the article links of a list page's cards, in order."""
    tree = html.fromstring(page_html)
    return tree.xpath('//li[@class="article-card"]//*[@class="card-title"]/a/@href')


def walk_list(client, path: str) -> list[str]:
    """Follow a list's "Next page" links from `path`; return every article link in order."""
    links: list[str] = []
    seen = set()
    while path and path not in seen:
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200
        links += card_links(response.get_data(as_text=True))
        following = html.fromstring(response.get_data()).xpath('//nav//a[@rel="next"]/@href')
        path = following[0] if following else None
    return links


def article_path(slug: str) -> str:
    """Return an article's path on the site."""
    return f"/articles/{slug}"


# --- home and topics ------------------------------------------------------------------------


def test_home_pages_through_every_article_newest_first(client, library):
    first = client.get("/").get_data(as_text=True)
    assert len(card_links(first)) == 4
    assert "Page 1 of 5" in first and "Previous page" not in first
    assert walk_list(client, "/") == [article_path(a.slug) for a in library.latest()]
    last = client.get("/?page=5").get_data(as_text=True)
    assert len(card_links(last)) == 1 and "Next page" not in last
    assert "Articles, page 5" in html.fromstring(last).findtext(".//title")


@pytest.mark.parametrize("page", ["99", "0", "-1", "two", ""])
def test_home_page_numbers_out_of_range_still_show_a_list(client, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 200
    assert len(card_links(response.get_data(as_text=True))) >= 1


def test_home_shows_every_topic(client, library):
    page = html.fromstring(client.get("/").get_data())
    listed = page.xpath('//section[@class="topics-aside"]//a/@href')
    assert listed == [f"/topics/{topic.slug}" for topic, _ in library.topics()]


def test_topics_index_counts_each_topics_articles(client, library):
    text = " ".join(html.fromstring(client.get("/topics").get_data()).text_content().split())
    assert len(library.topics()) == 9
    for topic, count in library.topics():
        noun = "article" if count == 1 else "articles"
        assert f"{topic.name} ({count} {noun})" in text


def test_topic_page_lists_its_articles_newest_first_across_pages(client, library):
    expected = [article_path(a.slug) for a in library.articles_on("self-care")]
    assert len(expected) > 4  # enough to need a second page at four a page
    assert walk_list(client, "/topics/self-care") == expected
    second = client.get("/topics/self-care?page=2").get_data(as_text=True)
    assert "Self-care, page 2" in html.fromstring(second).findtext(".//title")


def test_author_page_lists_their_articles_newest_first_across_pages(client, library):
    expected = [article_path(a.slug) for a in library.articles_by("sam-example")]
    assert len(expected) > 4  # enough to need a second page at four a page
    assert walk_list(client, "/authors/sam-example") == expected
    assert len(card_links(client.get("/authors/sam-example").get_data(as_text=True))) == 4
    second = html.fromstring(client.get("/authors/sam-example?page=2").get_data())
    assert "Sam Example, page 2" in second.findtext(".//title")
    assert second.xpath('//link[@rel="canonical"]/@href') == [f"{BASE}/authors/sam-example?page=2"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/topics/anxiety",
        "/authors/sam-example",
        "/search?q=grief",
    ],
)
def test_listed_articles_link_to_their_topics(client, path):
    page = html.fromstring(client.get(path).get_data())
    items = page.xpath('//li[.//ul[@class="topic-list"]]')
    assert items, f"no listed article on {path} shows its topics"
    for item in items:
        links = item.xpath('.//ul[@class="topic-list"]//a/@href')
        assert links and all(href.startswith("/topics/") for href in links)


# --- feed --------------------------------------------------------------------------------


def test_feed_has_every_public_article_newest_first(client, library):
    response = client.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Sample Therapy Practice"
    assert any(link.rel == "self" and link.href == f"{BASE}/feed.xml" for link in feed.feed.links)
    latest = library.latest()
    assert [entry.link for entry in feed.entries] == [BASE + article_path(a.slug) for a in latest]
    for entry, article in zip(feed.entries, latest, strict=True):
        assert entry.title == article.title
        assert entry.summary == article.summary
        assert entry.author == library.authors[article.author].name
        assert dt.date(*entry.published_parsed[:3]) == article.date
        assert dt.date(*entry.updated_parsed[:3]) == article.last_modified


def test_feed_carries_only_the_newest_articles(content_dir, index_dir):
    # Feed readers poll: a library of thousands must not send them all every time.
    app = make_app(content_dir, index_dir, FEED_ENTRIES=3)
    feed = feedparser.parse(app.test_client().get("/feed.xml").get_data())
    newest = app.extensions["live_index"].snapshot().library.latest()[:3]
    assert [entry.title for entry in feed.entries] == [a.title for a in newest]
    assert [urlsplit(entry.link).path for entry in feed.entries] == [
        article_path(a.slug) for a in newest
    ]


def test_feed_is_found_from_every_page(client):
    for path in ("/", "/articles/living-with-grief", "/topics"):
        head = html.fromstring(client.get(path).get_data()).find("head")
        (link,) = head.xpath('link[@rel="alternate"][@type="application/atom+xml"]')
        assert link.get("href") == "/feed.xml"


# --- sitemap and robots -------------------------------------------------------------------


def sitemap_entries(client) -> dict[str, str | None]:
    """Return the sitemap's URLs with their lastmod, after validating it against the schema."""
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    document = etree.fromstring(response.get_data())
    etree.XMLSchema(etree.parse(str(SITEMAP_SCHEMA))).assertValid(document)
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in document.iterfind("s:url", SITEMAP_NS)
    }


def test_sitemap_lists_every_public_page_with_its_last_change(client, library):
    entries = sitemap_entries(client)
    for article in library.latest():
        assert entries[BASE + article_path(article.slug)] == article.last_modified.isoformat()
    newest = max(a.last_modified for a in library.latest()).isoformat()
    assert entries[f"{BASE}/"] == newest and entries[f"{BASE}/topics"] == newest
    for topic, _ in library.topics():
        assert f"{BASE}/topics/{topic.slug}" in entries
    for slug in library.authors:
        assert f"{BASE}/authors/{slug}" in entries
    assert not any("/search" in url for url in entries)


def test_sitemap_schema_rejects_what_the_protocol_forbids():
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_SCHEMA)))
    broken = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://therapy.example.org/</loc><lastmod>last week</lastmod></url></urlset>"
    )
    assert not schema.validate(etree.fromstring(broken))


def test_robots_lets_crawlers_in_except_search_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert f"Sitemap: {BASE}/sitemap.xml" in text.splitlines()
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    assert robots.can_fetch("AnyBot", f"{BASE}/articles/living-with-grief")
    assert robots.can_fetch("AnyBot", f"{BASE}/")
    assert not robots.can_fetch("AnyBot", f"{BASE}/search?q=grief")


@pytest.mark.parametrize("path", ["/feed.xml", "/sitemap.xml", "/robots.txt"])
def test_machine_files_are_cacheable_and_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["ETag"]
    assert "max-age" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()


@pytest.mark.parametrize("path", ["/feed.xml", "/sitemap.xml", "/robots.txt"])
def test_machine_files_revalidate_per_encoding_and_carry_no_date_of_their_own(client, path):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "br"})
    repeat = client.get(path, headers={"Accept-Encoding": "br"})  # from the page cache
    # The server dates each response as it sends it. A Date the app set would be kept with
    # the cached feed and sent again, hours old, beside the server's own by the development
    # server (gunicorn and nginx drop it).
    for response in (plain, packed, repeat):
        assert "Date" not in response.headers
    if packed.headers.get("Content-Encoding") == "br":  # robots.txt is too small to compress
        assert packed.headers["ETag"] != plain.headers["ETag"]
    assert repeat.headers["ETag"] == packed.headers["ETag"]
    for response, accept in ((plain, "identity"), (packed, "br")):
        etag = response.headers["ETag"]
        again = client.get(path, headers={"Accept-Encoding": accept, "If-None-Match": etag})
        assert again.status_code == 304 and not again.get_data()
        assert again.headers["ETag"] == etag and "Date" not in again.headers


def test_a_feed_reader_holding_the_last_feed_gets_the_new_one(client, content_dir, index_dir):
    old = client.get("/feed.xml", headers={"Accept-Encoding": "gzip"})
    path = content_dir / "articles" / "the-therapeutic-relationship.md"
    edited = path.read_text(encoding="utf-8").replace("updated: 2026-06-02", "updated: 2026-11-20")
    path.write_text(edited, encoding="utf-8")
    pipeline.rebuild(content_dir, index_dir)  # settings here differ from the sample's index
    headers = {"Accept-Encoding": "gzip", "If-None-Match": old.headers["ETag"]}
    new = client.get("/feed.xml", headers=headers)
    assert new.status_code == 200 and new.headers["ETag"] != old.headers["ETag"]
    assert "2026-11-20" in gzip.decompress(new.get_data()).decode()
    again = client.get("/feed.xml", headers={**headers, "If-None-Match": new.headers["ETag"]})
    assert again.status_code == 304


# --- everywhere and nowhere ---------------------------------------------------------------


def test_every_public_article_is_listed_everywhere_it_belongs(client, library):
    home = set(walk_list(client, "/"))
    feed_links = {e.link for e in feedparser.parse(client.get("/feed.xml").get_data()).entries}
    sitemap = set(sitemap_entries(client))
    for article in library.latest():
        path = article_path(article.slug)
        assert path in home
        assert BASE + path in feed_links and BASE + path in sitemap
        for topic in article.topics:
            assert path in walk_list(client, f"/topics/{topic.slug}"), (path, topic.slug)


def test_the_draft_appears_nowhere(client, library):
    draft = library.drafts[DRAFT]
    pages = [
        *(client.get(f"/?page={n}") for n in range(1, 6)),
        client.get("/topics"),
        *(client.get(f"/topics/{t.slug}?page={n}") for t in draft.topics for n in (1, 2)),
        client.get("/authors/robin-sample"),
        client.get("/feed.xml"),
        client.get("/sitemap.xml"),
        client.get("/search?q=" + "+".join(draft.title.split()[:3])),
        client.get("/search?q=couples"),
    ]
    for response in pages:
        body = response.get_data(as_text=True)
        assert DRAFT not in body and draft.title not in body, urlsplit(response.request.url)
    assert client.get(article_path(DRAFT)).status_code == 404
