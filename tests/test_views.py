"""Pages as a visitor's browser receives them (Flask's test client)."""

from __future__ import annotations

import re

import html5lib
import pytest

from .conftest import htmx_headers

BANNER = "This is not an emergency service. In case of emergency call 112 or contact Samaritans"
ARTICLE = "/articles/the-therapeutic-relationship"

PAGES = ["/", ARTICLE, f"{ARTICLE}/related", "/search", "/search?q=grief", "/topics",
         "/topics/relationships", "/authors/sam-example", "/no-such-page", "/quick-exit",
         "/articles/recognising-an-unhealthy-relationship", "/search?q=zqxwv"]


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


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_security_headers_and_no_cookie(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                      "form-action 'self'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers


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


@pytest.mark.parametrize(
    "path",
    [
        "/articles/does-not-exist",
        "/articles/../../etc/passwd",
        "/articles/..%2F..%2Fetc%2Fpasswd",
        "/articles/%00",
        "/articles/" + "a" * 5000,
        "/articles/caf%C3%A9",
        "/articles/draft-coming-soon-working-with-couples",
        "/authors/nobody",
        "/topics/nothing-here",
    ],
)
def test_unknown_or_hostile_paths_get_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and BANNER in text_of(html)
    assert 'role="search"' in html
    assert "root:" not in html


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
    restore = client.get(f"{ARTICLE}/related",
                         headers=htmx_headers(**{"HX-History-Restore-Request": "true"}))
    assert "<html" in restore.get_data(as_text=True)


def test_healthz_reports_the_generation(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["generation"].startswith("gen-")
    assert data["articles"] == 17
