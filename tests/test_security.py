"""Security and privacy as a browser receives them: headers, cookies, links, hostile input."""

from __future__ import annotations

import re
import shutil
from urllib.parse import quote_from_bytes, urlsplit

import html5lib
import pytest
from flask import session, url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp import create_app
from webapp.building.pipeline import rebuild

from .conftest import FIXTURES, SAMPLE_CONTENT, change_site_settings, htmx_headers, make_app
from .test_views import ARTICLE, PAGES

HTMX = htmx_headers()
RESTORE = htmx_headers(**{"HX-History-Restore-Request": "true"})

# Every kind of response the site sends: pages, fragments, machine routes, static files and
# errors. Paths that are not routes (yet) still answer, and must carry the headers too.
RESPONSES = [
    *[(path, {}) for path in PAGES],
    ("/search?q=grief&page=2", {}),
    ("/search?q=grief", HTMX),
    ("/search?q=grief", RESTORE),
    ("/search?q=suicide", {}),
    (f"{ARTICLE}/related", HTMX),
    ("/no-such-page", HTMX),
    ("/healthz", {}),
    ("/feed.xml", {}),
    ("/sitemap.xml", {}),
    ("/robots.txt", {}),
    ("/static/style.css", {}),
    ("/static/site.js", {}),
    ("/static/vendor/htmx.min.js", {}),
    ("/static/no-such-file.css", {}),
    ("/explode", {}),
    ("/explode", HTMX),
]


@pytest.fixture
def site(app):
    """Return a client of the site with one route that fails, to see the 500 page."""

    @app.get("/explode")
    def explode():
        raise RuntimeError("broken on purpose")

    return app.test_client()


def fetch(client, url: str, **options):
    """Return the response to a GET with its body read and its file (if any) closed."""
    response = client.get(url, **options)
    response.get_data()
    response.close()
    return response


# Scripts and stylesheets: never a page of their own, so headers only a document acts on
# (Permissions-Policy, Cross-Origin-Opener-Policy) are left off them.
SUBRESOURCES = {"text/css", "text/javascript", "application/javascript"}


def directives(csp: str) -> dict[str, str]:
    """Return a Content-Security-Policy as {directive: sources}."""
    parts = (part.strip().split(None, 1) for part in csp.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in parts}


def assert_secure_headers(response, where: str) -> None:
    """Check the headers every response must carry."""
    headers = response.headers
    csp = directives(headers.get("Content-Security-Policy", ""))
    expected = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
    }
    for name, sources in expected.items():
        assert csp.get(name) == sources, (where, name, csp.get(name))
    for sources in csp.values():
        assert "unsafe-" not in sources and "*" not in sources and "data:" not in sources, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("Cross-Origin-Resource-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert "Set-Cookie" not in headers, where
    if response.mimetype in SUBRESOURCES:
        return  # the page that loads a script or stylesheet decides what it may do
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    permissions = dict(
        item.strip().split("=", 1) for item in headers.get("Permissions-Policy", "").split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert permissions.get(feature) == "()", (where, feature)
    assert set(permissions.values()) == {"()"}, where  # nothing is allowed, to anyone


@pytest.mark.parametrize(
    ("path", "headers"), RESPONSES, ids=[f"{p} {'+'.join(h) or 'plain'}" for p, h in RESPONSES]
)
def test_every_kind_of_response_has_the_security_headers(site, path, headers):
    response = fetch(site, path, headers=headers)
    assert response.status_code != 500 or path == "/explode"
    assert_secure_headers(response, path)


def test_scripts_and_stylesheets_carry_no_headers_only_a_document_acts_on(client):
    # Each is about 300 bytes a response: a tenth of what a first visit's assets cost.
    html = client.get(ARTICLE).get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html)
    assert len(urls) >= 3
    for url in [*urls, "/theme.css"]:
        response = fetch(client, url.replace("&amp;", "&"))
        assert response.status_code == 200 and response.mimetype in SUBRESOURCES, url
        assert_secure_headers(response, url)
        assert "Permissions-Policy" not in response.headers, url
        assert "Cross-Origin-Opener-Policy" not in response.headers, url
    # An SVG opened on its own is a document, and keeps them all.
    icon = fetch(client, re.search(r'href="(/static/[^"]+\.svg[^"]*)"', html).group(1))
    assert icon.mimetype == "image/svg+xml" and "Permissions-Policy" in icon.headers


def test_the_500_page_is_ours(site):
    response = site.get("/explode")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


# --- cookies ------------------------------------------------------------------------------

# Arguments for the routes that take them, so every route is visited with a real page.
ROUTE_ARGUMENTS = {
    ("articles.article", "slug"): "the-therapeutic-relationship",
    ("articles.related", "slug"): "the-therapeutic-relationship",
    ("articles.topic", "slug"): "relationships",
    ("articles.author", "slug"): "sam-example",
    ("pages.page", "slug"): "about",
    ("static", "filename"): "style.css",
}


def every_route(app) -> list[str]:
    """Return one URL for every GET route the site has."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods:
                arguments = {
                    a: ROUTE_ARGUMENTS.get((rule.endpoint, a), "x") for a in rule.arguments
                }
                urls.append(url_for(rule.endpoint, **arguments))
    return urls


def test_no_route_sets_a_cookie_and_every_one_has_the_headers(client, app):
    urls = every_route(app)
    assert {"/", "/search", "/healthz", f"{ARTICLE}/related"} <= set(urls)
    for url in urls:
        for headers in ({}, HTMX, RESTORE):
            for query in ("", "?q=private+words&page=2&utm_source=x"):
                response = fetch(client, url + query, headers=headers)
                assert response.status_code < 500, url
                assert_secure_headers(response, url + query)
        if url.startswith(tuple(f"/{s}" for s in ("articles", "topics", "authors"))):
            assert fetch(client, url).status_code == 200, url  # a real page, not a 404


def test_no_cookie_even_when_code_tries_to_set_one(app):
    app.config["SECRET_KEY"] = "a key would normally let Flask sign a session cookie"

    @app.get("/remember")
    def remember():
        session["searched"] = "something private"
        return "remembered"

    @app.get("/set-cookie")
    def set_cookie():
        response = app.make_response("set")
        response.set_cookie("tracking", "1")
        return response

    client = app.test_client()
    for path in ("/remember", "/set-cookie"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
    # Writing to the session is refused outright rather than silently dropped.
    assert client.get("/remember").status_code == 500


# --- outbound links -----------------------------------------------------------------------

LINK_PAGES = [
    *PAGES,
    "/search?q=suicide",
    "/search?q=griif",
    "/topics/grief",
    "/authors/robin-sample",
    "/explode",
]


def outbound_links(html: str, host: str) -> list[tuple[str, set[str]]]:
    """Return (href, rel tokens) of every link to another host."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    links = []
    for a in tree.iter("a"):
        href = a.get("href", "")
        parts = urlsplit(href)
        if parts.scheme in ("http", "https") and parts.hostname != host:
            links.append((href, set(a.get("rel", "").split())))
    return links


def test_outbound_links_on_every_page_type_carry_noopener_noreferrer(site):
    seen = []
    for path in LINK_PAGES:
        for headers in ({}, HTMX):
            html = site.get(path, headers=headers).get_data(as_text=True)
            for href, rel in outbound_links(html, "localhost"):
                assert {"noopener", "noreferrer"} <= rel, (path, href, rel)
                seen.append(href)
    # The banner's Samaritans link and an article's resources were among those checked.
    assert "https://www.samaritans.org/" in seen
    assert "https://www.bacp.co.uk/" in seen


def test_outbound_links_from_site_settings_carry_noopener_noreferrer(content_dir, index_dir):
    settings = content_dir / "site.yml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'links: [{text: "116 123", href: "tel:116123"}]',
            'links: [{text: "116 123", href: "tel:116123"}, '
            '{text: "Samaritans online", href: "https://www.samaritans.org/how-we-can-help/"}]',
        ),
        "utf-8",
    )
    app = create_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir)})
    html = app.test_client().get("/search?q=suicide").get_data(as_text=True)
    links = dict(outbound_links(html, "localhost"))
    assert {"noopener", "noreferrer"} <= links["https://www.samaritans.org/how-we-can-help/"]


# --- hostile input --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_client(tmp_path_factory, sample_index):
    """Return a client on the sample site, shared by the property tests (they only read)."""
    index_dir = tmp_path_factory.mktemp("hostile-index")
    shutil.copytree(sample_index, index_dir, dirs_exist_ok=True)
    app = create_app(
        {"TESTING": True, "CONTENT_DIR": str(SAMPLE_CONTENT), "INDEX_DIR": str(index_dir)}
    )
    return app.test_client()


MARKER = "<x-hostile"
# Any text, including control characters, and lone surrogates sent as the (invalid) UTF-8
# bytes a careless client would produce; plus raw bytes.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300).map(
    lambda text: text.encode("utf-8", "surrogatepass")
)
QUERY_BYTES = st.one_of(ANY_TEXT, st.binary(max_size=200))
PAGE_BYTES = st.one_of(
    st.text(max_size=12).map(str.encode),
    st.integers().map(lambda n: str(n).encode()),
    st.sampled_from(
        [
            b"",
            b"0",
            b"-1",
            b"1e9",
            b"9" * 40,
            b" 2 ",
            b"\xd9\xa3",
            b"\xc2\xb2",
            b"NaN",
            b"\x00",
            b"\xff",
        ]
    ),
)
REQUEST_HEADERS = st.sampled_from(
    [{}, HTMX, RESTORE, {"HX-Request": "\x7f\xff"}, htmx_headers(**{"HX-Boosted": "true"})]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(before=QUERY_BYTES, after=QUERY_BYTES, page=PAGE_BYTES, headers=REQUEST_HEADERS)
def test_any_search_input_gets_a_page_with_the_query_escaped(
    shared_client, before, after, page, headers
):
    query = before + MARKER.encode() + after
    raw = f"q={quote_from_bytes(query)}&page={quote_from_bytes(page)}"
    response = shared_client.get(f"/search?{raw}", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert MARKER not in html  # the visitor's "<" is never markup
    assert "Traceback" not in html


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=PAGE_BYTES, headers=REQUEST_HEADERS)
def test_any_page_number_on_list_pages_gets_a_page(shared_client, page, headers):
    for path in ("/", "/topics/relationships"):
        response = shared_client.get(f"{path}?page={quote_from_bytes(page)}", headers=headers)
        assert response.status_code == 200, path


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
@pytest.mark.parametrize(
    "text",
    [
        '"><script>alert(1)</script>',
        "' onmouseover='alert(1)",
        "</textarea><svg onload=x>",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
    ],
)
def test_markup_in_a_search_is_shown_as_text(client, text, headers):
    html = client.get("/search", query_string={"q": text}, headers=headers).get_data(as_text=True)
    # What a browser would build from the page: nothing active came from the query.
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    elements = list(tree.iter())
    assert not [e.tag for e in elements if e.tag in ("svg", "img", "textarea")]
    scripts = [e.get("src") or "inline" for e in elements if e.tag == "script"]
    assert len(scripts) == (0 if headers else 2)  # a fragment has none; a page has our two
    assert all(src.startswith("/static/") for src in scripts)
    assert not [(e.tag, a) for e in elements for a in e.attrib if a.lower().startswith("on")]
    assert not [
        a.get("href") for a in tree.iter("a") if a.get("href", "").lower().startswith("javascript:")
    ]
    if "<" in text:
        assert "&lt;" in html  # shown to the visitor, as text


def test_a_hostile_article_renders_without_active_content(content_dir, tmp_path):
    shutil.copy(FIXTURES / "hostile_markup.md", content_dir / "articles" / "hostile-markup.md")
    rebuild(content_dir, tmp_path / "ix")
    app = create_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(tmp_path / "ix")})
    client = app.test_client()
    response = client.get("/articles/hostile-markup")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = html.split('<div class="prose">', 1)[1].split('<section class="related"', 1)[0]
    assert "Before" in body and "A heading" in body
    for forbidden in ("<script", "javascript:", "<iframe", "<style", " style="):
        assert forbidden not in body.lower(), forbidden
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", body, re.IGNORECASE)
    # Only our own two scripts, from our own static folder, plus the JSON-LD data block
    # (type application/ld+json: browsers never run it).
    tags = re.findall(r"<script[^>]*>", html)
    assert [t for t in tags if 'src="/static/' in t and "defer" in t] == tags[:2]
    assert tags[2:] == ['<script type="application/ld+json">']
    for page in ("/search?q=alert", "/search?q=hostile", "/articles/hostile-markup/related"):
        found = client.get(page).get_data(as_text=True)
        assert found.count("<script") == 2 and "javascript:" not in found, page


def test_a_search_address_with_a_trailing_slash_is_redirected_but_never_kept(client):
    response = client.get("/search/?q=suicide")
    assert response.status_code == 307  # not permanent: browsers keep 308s for good
    assert response.headers["Location"].endswith("/search?q=suicide")
    assert response.headers["Cache-Control"] == "no-store"


def test_control_characters_in_a_trailing_slash_path_get_a_404_not_a_500(client):
    response = client.get("/articles/%0d%0aSet-Cookie:%20a=b/")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


def test_a_site_published_over_https_tells_browsers_to_keep_to_it(content_dir, index_dir, client):
    assert "Strict-Transport-Security" not in client.get("/").headers  # http: would be ignored
    change_site_settings(content_dir, base_url="https://practice.example")
    secure = make_app(content_dir, index_dir).test_client()
    for path in ("/", "/search?q=grief", "/no-such-page", "/healthz"):
        assert secure.get(path).headers["Strict-Transport-Security"] == "max-age=31536000"
