"""Pages as a visitor's browser receives them (Flask's test client)."""

from __future__ import annotations

import re

import html5lib
import pytest

from .conftest import htmx_headers

BANNER = "This is not an emergency service. In case of emergency call 112 or contact Samaritans"
ARTICLE = "/articles/the-therapeutic-relationship"

PAGES = [
    "/",
    ARTICLE,
    f"{ARTICLE}/related",
    "/search",
    "/search?q=grief",
    "/topics",
    "/topics/relationships",
    "/authors/sam-example",
    "/no-such-page",
    "/quick-exit",
    "/articles/recognising-an-unhealthy-relationship",
    "/search?q=zqxwv",
]


def text_of(html: str) -> str:
    """Return visible text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def first_in_body(html: str) -> str:
    """Return the markup of the first element inside <body>."""
    body = html.split("<body>", 1)[1].lstrip()
    return body[: body.index("</section>")]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_starts_with_the_emergency_banner(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    banner = first_in_body(html)
    assert banner.startswith('<section class="emergency" aria-label="Emergency help">')
    assert BANNER in text_of(banner)
    assert 'href="tel:112"' in banner and 'href="tel:116123"' in banner
    assert 'href="https://www.samaritans.org/"' in banner


# Security headers and cookies on every response: tests/test_security.py.


@pytest.mark.parametrize("path", PAGES)
def test_every_page_parses_as_html(client, path):
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(client.get(path).get_data(as_text=True))


def test_home_lists_latest_articles_and_topics(client):
    html = client.get("/").get_data(as_text=True)
    assert "<h1>Sample Therapy Practice</h1>" in html
    assert 'href="/articles/the-therapeutic-relationship"' in html
    assert 'href="/topics/relationships"' in html
    assert "draft" not in text_of(html).lower()


def test_article_page_has_the_whole_anatomy(client):
    html = client.get(ARTICLE).get_data(as_text=True)
    text = text_of(html)
    assert "<h1>The therapeutic relationship</h1>" in html
    assert 'class="standfirst"' in html
    assert "Published" in text and "min read" in text
    assert 'href="/topics/therapy-basics"' in html
    assert "On this page" in text  # table of contents for a long article
    assert 'class="headerlink"' in html
    assert "Resources and further reading" in text
    assert 'rel="noopener noreferrer"' in html
    assert "About the author" in text and 'href="/authors/' in html
    assert "Related articles" in text
    assert 'hx-trigger="intersect once"' in html


def test_review_dates_show_when_reviewed(client, app):
    library = app.extensions["live_index"].snapshot().library
    reviewed = next(a for a in library.latest() if a.reviewed)
    text = text_of(client.get(f"/articles/{reviewed.slug}").get_data(as_text=True))
    due = reviewed.reviewed.replace(year=reviewed.reviewed.year + 3)
    assert f"Page last reviewed: {reviewed.reviewed.day} {reviewed.reviewed:%B %Y}" in text
    assert f"Next review due: {due.day} {due:%B %Y}" in text


# Slugs are looked up, never joined into a path: whatever arrives is just a key not found.
HOSTILE_SLUGS = [
    "does-not-exist",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252F..%252Fetc%252Fpasswd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "%C0%AE%C0%AE%C0%AF",
    "%00",
    "the-therapeutic-relationship%00",
    "the-therapeutic-relationship%00.md",
    "a" * 5000,
    "caf%C3%A9",
    "%E2%80%AEevil",
    "%F0%9F%92%A9",
    "%FF%FE",
    "%0d%0aSet-Cookie:x=1",
]


@pytest.mark.parametrize(
    "path",
    [
        "/articles/../../etc/passwd",
        "/articles/draft-coming-soon-working-with-couples",
        "/articles/draft-coming-soon-working-with-couples/related",
        "/authors/nobody",
        "/topics/nothing-here",
        *[
            template.format(slug)
            for slug in HOSTILE_SLUGS
            for template in ("/articles/{}", "/articles/{}/related", "/authors/{}", "/topics/{}")
        ],
    ],
)
def test_unknown_or_hostile_paths_get_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and BANNER in text_of(html)
    assert 'role="search"' in html
    assert "root:" not in html and "[fonts]" not in html
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("path", "target", "status"),
    [
        ("/articles/the-therapeutic-relationship/", "/articles/the-therapeutic-relationship", 308),
        ("/topics/anxiety//?page=1", "/topics/anxiety?page=1", 308),
        ("/search/?q=grief", "/search?q=grief", 307),  # never kept: see test_security
        ("/topics/", "/topics", 308),
        ("/articles//the-therapeutic-relationship", "/articles/the-therapeutic-relationship", 308),
        ("/topics///anxiety/?page=2", "/topics/anxiety?page=2", 308),
    ],
)
def test_a_trailing_slash_leads_to_the_page(client, path, target, status):
    # The client chooses the Host header: a redirect built from it could send visitors away.
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == status and response.headers["Location"] == target
    assert response.headers["Cache-Control"] in ("no-store", "public, max-age=300")
    assert client.get(path, follow_redirects=True).status_code == 200


@pytest.mark.parametrize("path", ["/articles/", "/no-such-page/", "/articles/a/b/"])
def test_a_trailing_slash_on_no_page_of_ours_is_still_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_site_icon_is_ours_and_its_old_address_leads_to_it(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    moved = client.get("/favicon.ico")  # what browsers and tools ask for by habit
    assert moved.status_code == 301 and moved.headers["Location"] == href.replace("&amp;", "&")
    with client.get(moved.headers["Location"]) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.get_data()


def test_errors_get_the_500_page_without_a_trace(app, client):
    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = client.get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and BANNER in text_of(html)
    assert "secret internals" not in html and "Traceback" not in html


def test_author_page_lists_their_articles(client):
    html = client.get("/authors/sam-example").get_data(as_text=True)
    assert "<h1>Sam Example</h1>" in html
    assert html.count('class="article-card"') >= 1


def test_related_fragment_for_htmx_and_page_otherwise(client):
    fragment = client.get(f"{ARTICLE}/related", headers=htmx_headers())
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="related-panel"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(f"{ARTICLE}/related")
    assert "Related to: The therapeutic relationship" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    restore = client.get(
        f"{ARTICLE}/related", headers=htmx_headers(**{"HX-History-Restore-Request": "true"})
    )
    assert "<html" in restore.get_data(as_text=True)


def test_healthz_reports_the_generation(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["generation"].startswith("gen-")
    assert data["articles"] == 17
