"""What a page says about itself: title, description, canonical URL, Open Graph, JSON-LD."""

from __future__ import annotations

import json

import pytest
from lxml import html

from webapp.building import pipeline

from .conftest import change_site_settings, make_app

BASE = "https://therapy.example.org"
REVIEWED = "the-therapeutic-relationship"  # published, updated and reviewed
NOT_REVIEWED = "panic-attacks-what-helps"

PAGE_TYPES = {
    "home": "/",
    "article": f"/articles/{REVIEWED}",
    "related page": f"/articles/{REVIEWED}/related",
    "search": "/search",
    "search results": "/search?q=grief",
    "topics": "/topics",
    "topic": "/topics/anxiety",
    "author": "/authors/sam-example",
    "about quick exit": "/quick-exit",
    "not found": "/no-such-page",
}


@pytest.fixture
def app(content_dir, index_dir):
    """Return the site published at BASE, two articles to a list page."""
    change_site_settings(content_dir, base_url=BASE)
    return make_app(content_dir, index_dir, LIST_PAGE_SIZE=2)


def head_of(client, path: str):
    """Return the parsed <head> of a page."""
    return html.fromstring(client.get(path).get_data()).find("head")


def meta(head, name: str) -> str | None:
    """Return the content of a <meta> with this name or Open Graph property, if any."""
    found = head.xpath(f'meta[@name="{name}" or @property="{name}"]/@content')
    assert len(found) <= 1, f"more than one {name}"
    return found[0] if found else None


def canonical(head) -> str | None:
    """Return the page's canonical URL, if it has one."""
    found = head.xpath('link[@rel="canonical"]/@href')
    assert len(found) <= 1
    return found[0] if found else None


def json_ld(client, path: str) -> list[dict]:
    """Return every JSON-LD block on a page, parsed."""
    tree = html.fromstring(client.get(path).get_data())
    return [json.loads(s.text) for s in tree.xpath('//script[@type="application/ld+json"]')]


def test_each_kind_of_page_has_its_own_title_and_description(client):
    titles, descriptions = {}, {}
    for kind, path in PAGE_TYPES.items():
        head = head_of(client, path)
        titles[kind] = head.findtext("title").strip()
        descriptions[kind] = meta(head, "description")
        assert titles[kind] and descriptions[kind], kind
    assert len(set(titles.values())) == len(PAGE_TYPES), titles
    # The search page describes itself the same way whatever was searched for.
    assert descriptions.pop("search results") == descriptions["search"]
    assert len(set(descriptions.values())) == len(descriptions), descriptions


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", f"{BASE}/"),
        ("/?page=1", f"{BASE}/"),
        ("/?page=3&utm_source=mail", f"{BASE}/?page=3"),
        ("/topics/self-care?page=2&sort=x", f"{BASE}/topics/self-care?page=2"),
        ("/topics/self-care?page=999", f"{BASE}/topics/self-care?page=3"),
        (f"/articles/{REVIEWED}?ref=newsletter", f"{BASE}/articles/{REVIEWED}"),
        (f"/articles/{REVIEWED}?page=2", f"{BASE}/articles/{REVIEWED}"),
        ("/search?q=grief&page=2", f"{BASE}/search"),
        ("/quick-exit", f"{BASE}/quick-exit"),
    ],
)
def test_canonical_url_is_absolute_and_keeps_only_the_list_page(client, path, expected):
    head = head_of(client, path)
    assert canonical(head) == expected
    assert meta(head, "og:url") == expected


def test_error_pages_claim_no_canonical_url(client):
    head = head_of(client, "/no-such-page")
    assert canonical(head) is None and meta(head, "og:url") is None


def test_open_graph_describes_an_article(client):
    head = head_of(client, f"/articles/{REVIEWED}")
    assert meta(head, "og:type") == "article"
    assert meta(head, "og:title") == "The therapeutic relationship"
    assert meta(head, "og:description") == meta(head, "description")
    assert meta(head, "og:site_name") == "Sample Therapy Practice"
    assert meta(head, "og:locale") == "en_GB"
    assert meta(head, "article:published_time") == "2026-03-14"


@pytest.mark.parametrize("path", ["/", "/topics", "/topics/anxiety", "/authors/sam-example"])
def test_open_graph_describes_other_pages_as_a_website(client, path):
    head = head_of(client, path)
    assert meta(head, "og:type") == "website"
    assert meta(head, "og:title") == head.findtext("title").strip()
    assert meta(head, "og:description") == meta(head, "description")
    assert meta(head, "og:locale") == "en_GB" and meta(head, "og:site_name")


def test_article_json_ld_describes_the_article(client, app):
    library = app.extensions["live_index"].snapshot().library
    article = library.articles[REVIEWED]
    (data,) = json_ld(client, f"/articles/{REVIEWED}")
    url = f"{BASE}/articles/{REVIEWED}"
    assert data["@context"] == "https://schema.org" and data["@type"] == "Article"
    assert data["headline"] == article.title
    assert data["description"] == article.summary
    assert data["author"] == {
        "@type": "Person",
        "name": "Sam Example",
        "url": f"{BASE}/authors/sam-example",
    }
    assert data["datePublished"] == "2026-03-14"
    assert data["dateModified"] == "2026-06-02"
    assert data["lastReviewed"] == article.reviewed.isoformat()
    assert data["publisher"] == {"@type": "Organization", "name": "Sample Therapy Practice"}
    assert data["mainEntityOfPage"]["@id"] == url


def test_json_ld_says_nothing_of_review_when_there_was_none(client):
    (data,) = json_ld(client, f"/articles/{NOT_REVIEWED}")
    assert "lastReviewed" not in json.dumps(data)
    assert data["dateModified"] == data["datePublished"]


@pytest.mark.parametrize("path", ["/", "/topics", "/search?q=grief", "/no-such-page"])
def test_only_articles_carry_json_ld(client, path):
    assert json_ld(client, path) == []


def test_json_ld_survives_a_title_that_tries_to_close_the_script(content_dir, tmp_path):
    hostile = "Breaking out </script><script>alert(1)</script> & <!-- here"
    (content_dir / "articles" / "hostile-title.md").write_text(
        "---\ntitle: '" + hostile + "'\nsummary: 'Ends </script> early?'\n"
        "date: 2026-01-01\n---\nBody.\n",
        encoding="utf-8",
    )
    pipeline.rebuild(content_dir, tmp_path / "fresh-index")
    client = make_app(content_dir, tmp_path / "fresh-index").test_client()
    page = client.get("/articles/hostile-title").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    (data,) = json_ld(client, "/articles/hostile-title")
    assert data["headline"] == hostile and data["description"] == "Ends </script> early?"
