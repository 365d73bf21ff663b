"""HTTP caching as a browser meets it: ETags and 304s, Cache-Control, brotli and gzip."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from flask import template_rendered

from webapp.building import pipeline
from webapp.generation.snapshot import load_snapshot

from .conftest import htmx_headers

ARTICLE = "/articles/the-therapeutic-relationship"
GZIP = {"Accept-Encoding": "gzip, deflate"}
# What Chromium sends (over HTTPS and to localhost); Firefox and Safari send "gzip, deflate, br".
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
STATIC = Path(__file__).resolve().parent.parent / "webapp" / "static"


def test_page_has_etag_and_cache_control_and_revalidates_to_304(client):
    first = client.get(ARTICLE)
    etag = first.headers["ETag"]
    assert "max-age=" in first.headers["Cache-Control"]
    again = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    related = client.get(f"{ARTICLE}/related")
    again = client.get(f"{ARTICLE}/related", headers={"If-None-Match": related.headers["ETag"]})
    assert again.status_code == 304 and "HX-Request" in again.headers["Vary"]


def test_fragment_and_page_have_distinct_etags_and_keep_vary(client):
    page = client.get(f"{ARTICLE}/related")
    fragment = client.get(f"{ARTICLE}/related", headers=htmx_headers())
    assert page.headers["ETag"] != fragment.headers["ETag"]
    for response in (page, fragment):
        assert "HX-Request" in response.headers["Vary"]
        assert "HX-History-Restore-Request" in response.headers["Vary"]
    # The page's ETag does not validate the fragment: htmx gets the fragment, not a 304.
    cross = client.get(
        f"{ARTICLE}/related", headers=htmx_headers(**{"If-None-Match": page.headers["ETag"]})
    )
    assert cross.status_code == 200 and "<html" not in cross.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, BROWSER], ids=["plain", "brotli"])
def test_a_revalidation_with_the_etag_marked_weak_gets_a_304(client, headers):
    # A proxy that re-encodes a response marks its ETag weak (W/"…"); If-None-Match compares
    # weakly, so the browser behind it still revalidates cheaply.
    etag = client.get(ARTICLE, headers=headers).headers["ETag"]
    again = client.get(ARTICLE, headers={**headers, "If-None-Match": f"W/{etag}"})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(ARTICLE, headers={**headers, "If-None-Match": 'W/"another-page"'})
    assert other.status_code == 200


@pytest.mark.parametrize("headers", [{}, GZIP, BROWSER], ids=["plain", "gzip", "brotli"])
@pytest.mark.parametrize("path", [ARTICLE, "/feed.xml", "/static/style.css"])
def test_head_gets_the_headers_of_get_without_a_body(client, headers, path):
    with client.get(path, headers=headers) as got, client.head(path, headers=headers) as head:
        assert head.status_code == 200 and head.get_data() == b""
        for name in ("ETag", "Content-Encoding", "Content-Length", "Vary", "Cache-Control"):
            assert head.headers.get(name) == got.headers.get(name), name
        etag = got.headers["ETag"]
    with client.head(path, headers={**headers, "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.headers["ETag"] == etag


def test_changed_page_gets_a_new_etag(client):
    one = client.get(ARTICLE).headers["ETag"]
    other = client.get("/articles/understanding-anxiety").headers["ETag"]
    assert one != other


def test_html_is_gzipped_for_clients_that_accept_it(client):
    plain = client.get(ARTICLE)
    packed = client.get(ARTICLE, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert packed.headers["ETag"] != plain.headers["ETag"]
    revalidated = client.get(ARTICLE, headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert revalidated.status_code == 304


@pytest.mark.parametrize(
    "refusal", ["gzip;q=0", "br;q=0, gzip;q=0.0", "gzip;q=0, br;q=0, *;q=1", "identity"]
)
@pytest.mark.parametrize("path", [ARTICLE, "/static/style.css", "/search?q=grief"])
def test_a_client_that_refuses_compression_gets_the_plain_body(client, refusal, path):
    # q=0 means "not acceptable": a client (or proxy) that cannot decode gzip or brotli says
    # so this way.
    with client.get(path, headers={"Accept-Encoding": refusal}) as response:
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        with client.get(path) as plain:
            assert response.get_data() == plain.get_data()


def test_html_is_sent_in_brotli_to_browsers(client):
    plain = client.get(ARTICLE)
    packed = client.get(ARTICLE, headers=BROWSER)
    gzipped = client.get(ARTICLE, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.get_data()) == plain.get_data()
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    assert len(packed.get_data()) < len(gzipped.get_data())
    assert "Accept-Encoding" in packed.headers["Vary"]
    # Three representations, three ETags; each revalidates only itself.
    etags = {r.headers["ETag"] for r in (plain, packed, gzipped)}
    assert len(etags) == 3
    again = client.get(ARTICLE, headers={**BROWSER, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == packed.headers["ETag"]
    assert "Content-Encoding" not in again.headers
    other = client.get(ARTICLE, headers={**BROWSER, "If-None-Match": gzipped.headers["ETag"]})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "br"
    back = client.get(ARTICLE, headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert back.status_code == 200 and back.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    ("accept", "sent"),
    [
        ("br", "br"),
        ("gzip, br", "br"),  # equal preference: the smaller one
        ("*", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),  # the client's preference wins
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.0, gzip;q=0.8, *;q=0.1", "gzip"),
        ("deflate, zstd", None),
        (None, None),
    ],
)
@pytest.mark.parametrize("path", [ARTICLE, "/static/vendor/htmx.min.js"])
def test_the_encoding_follows_the_clients_preferences(client, accept, sent, path):
    headers = {"Accept-Encoding": accept} if accept else {}
    with client.get(path, headers=headers) as response, client.get(path) as plain:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == sent
        decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[sent]
        assert decode(response.get_data()) == plain.get_data()
        assert "Accept-Encoding" in response.headers["Vary"]


def test_static_files_are_sent_in_brotli_and_revalidate_per_encoding(client):
    html = client.get(ARTICLE).get_data(as_text=True)
    urls = [u.replace("&amp;", "&") for u in re.findall(r'(?:href|src)="(/static/[^"]+)"', html)]
    assert any("htmx.min.js" in u for u in urls) and any("style.css" in u for u in urls)
    for url in urls:
        original = (STATIC / url.split("?")[0].removeprefix("/static/")).read_bytes()
        with client.get(url, headers=BROWSER) as packed, client.get(url, headers=GZIP) as gz:
            assert packed.headers["Content-Encoding"] == "br", url
            assert brotli.decompress(packed.get_data()) == original, url
            assert len(packed.get_data()) < len(gz.get_data()), url
            assert "immutable" in packed.headers["Cache-Control"]
            assert "Accept-Encoding" in packed.headers["Vary"]
            etag, gz_etag = packed.headers["ETag"], gz.headers["ETag"]
        assert etag != gz_etag
        with client.get(url, headers={**BROWSER, "If-None-Match": etag}) as again:
            assert again.status_code == 304 and again.get_data() == b""
        with client.get(url, headers={**BROWSER, "If-None-Match": gz_etag}) as other:
            assert other.status_code == 200, url
            assert brotli.decompress(other.get_data()) == original


def test_fingerprinted_static_files_carry_no_headers_a_browser_never_uses(client):
    # Each response's headers are a fifth of a first visit's bytes: a file's name for saving
    # ("inline" is the default) and a date to revalidate by (the ETag does that) go.
    html = client.get(ARTICLE).get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        with client.get(url.replace("&amp;", "&"), headers=BROWSER) as response:
            assert response.status_code == 200 and "ETag" in response.headers
            assert "Content-Disposition" not in response.headers, url
            assert "Last-Modified" not in response.headers, url
    with client.get("/static/style.css") as unversioned:
        assert "Content-Disposition" not in unversioned.headers
        assert "Last-Modified" in unversioned.headers  # checked on each use: may revalidate


def test_a_related_panel_of_a_few_hundred_bytes_is_compressed(client):
    url = "/articles/panic-attacks-what-helps/related"
    panel = client.get(url, headers={**BROWSER, **htmx_headers()})
    plain = client.get(url, headers=htmx_headers())
    assert 256 < len(plain.get_data()) < 1024
    assert panel.headers["Content-Encoding"] == "br"
    assert brotli.decompress(panel.get_data()) == plain.get_data()


def test_static_files_are_gzipped_and_cached_for_a_year(client):
    html = client.get(ARTICLE).get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        url = url.replace("&amp;", "&")
        plain = client.get(url)
        packed = client.get(url, headers=GZIP)
        assert packed.headers["Content-Encoding"] == "gzip", url
        assert gzip.decompress(packed.get_data()) == plain.get_data()
        assert "immutable" in packed.headers["Cache-Control"]
        assert "Accept-Encoding" in packed.headers["Vary"]
        plain.close()
        packed.close()


def test_search_stays_private_and_small_responses_stay_plain(client):
    search = client.get("/search?q=grief", headers=GZIP)
    assert search.headers["Cache-Control"] == "no-store"
    health = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in health.headers  # a few bytes: not worth compressing


def test_errors_are_not_cached(client):
    response = client.get("/articles/no-such-article")
    assert response.status_code == 404
    assert "ETag" not in response.headers


def test_rebuild_reuses_unchanged_articles_and_renders_changed_ones(content_dir, tmp_path):

    index_dir = tmp_path / "ix"
    pipeline.rebuild(content_dir, index_dir)
    first = load_snapshot(index_dir)
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA new line about *otters*.\n", encoding="utf-8"
    )
    pipeline.rebuild(content_dir, index_dir)
    second = load_snapshot(index_dir)
    try:
        assert "<em>otters</em>" in second.article("understanding-anxiety").body_html
        assert second.search.search("otters ").total == 1
        for slug, article in first.library.articles.items():
            if slug != "understanding-anxiety":
                assert second.library.articles[slug] == article
                assert second.article(slug) == first.article(slug)
    finally:
        first.close()
        second.close()


def test_repeat_views_come_from_the_page_cache_unchanged(app, client):
    rendered = []
    with template_rendered.connected_to(lambda sender, template, **_: rendered.append(template)):
        first = client.get(ARTICLE, headers=GZIP)
        assert rendered  # the first view is rendered...
        rendered.clear()
        second = client.get(ARTICLE, headers=GZIP)
        assert rendered == []  # ...the second comes from the cache
    assert second.get_data() == first.get_data()
    assert dict(second.headers) == dict(first.headers)
    revalidated = client.get(ARTICLE, headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304
    # The fragment and the page are cached apart, each with its own ETag.
    page = client.get(f"{ARTICLE}/related")
    fragment = client.get(f"{ARTICLE}/related", headers=htmx_headers())
    assert client.get(f"{ARTICLE}/related").get_data() == page.get_data()
    again = client.get(f"{ARTICLE}/related", headers=htmx_headers())
    assert again.get_data() == fragment.get_data() and "<html" not in again.get_data(True)
    assert page.headers["ETag"] != fragment.headers["ETag"]


def test_feed_and_sitemap_are_built_once_per_generation(client, monkeypatch):
    # The sitemap lists every article: at 10,000 it takes half a second to build.
    from webapp.web import discovery

    first = {path: client.get(path, headers=GZIP) for path in ("/feed.xml", "/sitemap.xml")}

    def refuse(*args, **kwargs):
        raise AssertionError("built again for the same generation")

    monkeypatch.setattr(discovery, "atom_feed", refuse)
    monkeypatch.setattr(discovery, "sitemap", refuse)
    for path, response in first.items():
        again = client.get(path, headers=GZIP)
        assert again.status_code == 200 and again.get_data() == response.get_data()
        # Neither reads a query string, so one cannot make the server build them again.
        odd = client.get(f"{path}?utm_source=anywhere", headers=GZIP)
        assert odd.status_code == 200 and odd.get_data() == response.get_data()
        revalidated = client.get(path, headers={"If-None-Match": again.headers["ETag"], **GZIP})
        assert revalidated.status_code == 304


def test_a_crawler_asking_if_modified_since_gets_the_cached_sitemap(client, monkeypatch):
    # Crawlers send If-Modified-Since; no cached page has a Last-Modified for it to act on,
    # so it must not make the server build a 10,000-entry sitemap again.
    from webapp.web import discovery

    first = client.get("/sitemap.xml", headers=GZIP)

    def refuse(*args, **kwargs):
        raise AssertionError("built again for the same generation")

    monkeypatch.setattr(discovery, "sitemap", refuse)
    since = {**GZIP, "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"}
    again = client.get("/sitemap.xml", headers=since)
    assert again.status_code == 200 and again.get_data() == first.get_data()
    etag = first.headers["ETag"]
    assert client.get("/sitemap.xml", headers={**since, "If-None-Match": etag}).status_code == 304


def test_an_article_link_with_a_tracking_query_is_served_from_the_cache(client, monkeypatch):
    # Links from newsletters and social sites carry "?utm_source=…"; the page is the same.
    from webapp.web.views import articles

    first = client.get(ARTICLE, headers=GZIP)

    def refuse(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(articles, "render_template", refuse)
    tracked = client.get(f"{ARTICLE}?utm_source=newsletter", headers=GZIP)
    assert tracked.status_code == 200 and tracked.get_data() == first.get_data()


def test_a_new_generation_is_never_served_from_the_old_pages(client, content_dir, index_dir):

    assert "kingfishers" not in client.get(ARTICLE).get_data(as_text=True)
    path = content_dir / "articles" / "the-therapeutic-relationship.md"
    edited = path.read_text(encoding="utf-8").replace("updated: 2026-06-02", "updated: 2026-11-20")
    path.write_text(edited + "\nA line about kingfishers.\n", encoding="utf-8")
    assert "<lastmod>2026-11-20</lastmod>" not in client.get("/sitemap.xml").get_data(as_text=True)
    pipeline.update(content_dir, index_dir)
    assert "kingfishers" in client.get(ARTICLE).get_data(as_text=True)
    # The new date of change reaches the sitemap, which is built afresh for the generation.
    assert "<lastmod>2026-11-20</lastmod>" in client.get("/sitemap.xml").get_data(as_text=True)


def test_a_boosted_request_gets_the_page_and_says_it_varies_on_being_boosted(client):
    # A shared cache keys on the Vary headers: without HX-Boosted it would hand this whole
    # page to every plain htmx request for the panel.
    boosted = client.get(f"{ARTICLE}/related", headers=htmx_headers(**{"HX-Boosted": "true"}))
    assert "<html" in boosted.get_data(as_text=True)
    assert "HX-Boosted" in boosted.headers["Vary"]
    fragment = client.get(f"{ARTICLE}/related", headers=htmx_headers())
    assert "HX-Boosted" in fragment.headers["Vary"]
