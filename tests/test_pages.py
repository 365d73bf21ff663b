"""The practice's own pages: served at /<slug>, in the nav and footer, searchable, in the
sitemap, and kept out of everything that lists articles."""

from __future__ import annotations

import re

import feedparser
from lxml import html

from webapp.authoring.pages import RESERVED

from .conftest import ROOT

NAV = ["About the practice", "Fees", "Contact"]  # nav: true, in `order`
FOOTER = ["How I work", "Privacy notice"]
PAGES = {"about", "how-i-work", "fees", "contact", "privacy"}


def tree(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    return html.fromstring(response.get_data())


def write_page(content_dir, name: str, text: str) -> None:
    (content_dir / "pages" / name).write_text(text, encoding="utf-8")


def test_a_page_is_served_at_its_slug_with_its_title_and_words(client):
    page = tree(client, "/fees")
    assert page.xpath("string(//main//h1)") == "Fees"
    assert "Reduced fees" in page.xpath("string(//main)")
    assert page.xpath('//nav[@aria-label="Main"]//a[@aria-current="page"]/text()') == ["Fees"]


def test_addresses_that_are_no_page_still_answer_not_found(client):
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/Fees").status_code == 404
    moved = client.get("/fees/")
    assert moved.status_code == 308 and moved.headers["Location"] == "/fees"


def test_nav_pages_are_in_the_header_in_order_and_the_others_in_the_footer(client):
    for path in ("/", "/articles/living-with-grief", "/search?q=grief", "/privacy", "/nope"):
        response = client.get(path)
        page = html.fromstring(response.get_data())
        header = page.xpath('//nav[@aria-label="Main"]//a/text()')
        assert header == ["Articles", "Topics", "Search", *NAV], path
        assert page.xpath("//footer//nav//a/text()") == FOOTER, path


def test_pages_stay_out_of_article_lists_the_feed_and_related_panels(client):
    pages = {f"/{slug}" for slug in PAGES}
    for path in ("/", "/topics", "/topics/anxiety", "/authors/sam-example",
                 "/articles/living-with-grief/related"):  # fmt: skip
        main = tree(client, path).xpath("//main//a/@href")
        assert not pages & set(main), path
    feed = feedparser.parse(client.get("/feed.xml").get_data())
    assert not [e.link for e in feed.entries if not re.search(r"/articles/[a-z0-9-]+$", e.link)]


def test_pages_are_in_the_sitemap(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    for slug in PAGES:
        assert f"/{slug}</loc>" in sitemap


def test_search_finds_a_page_and_marks_it_as_a_page(client):
    page = tree(client, "/search?q=cancelling+a+session+fee")
    first = page.xpath('//li[contains(@class, "result")]')[0]
    assert first.xpath("string(.//h3/a/@href)") == "/fees"
    assert first.xpath("string(.//*[@class='kind'])") == "Page"
    articles = page.xpath('//li[@class="result"]//h3/a/@href')
    assert articles and all(href.startswith("/articles/") for href in articles)


def test_every_address_the_site_answers_is_reserved_from_pages(app):
    first_parts = {
        rule.rule.lstrip("/").split("/")[0]
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "pages.page" and rule.rule != "/"
    }
    assert first_parts <= RESERVED


def test_content_check_refuses_a_page_at_a_reserved_address(runner, content_dir):
    write_page(content_dir, "search.md", "---\ntitle: Search\nsummary: Mine.\n---\nText.\n")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert (
        "content/pages/search.md: file name: 'search.md' would be served at /search, which the "
        "site already uses" in result.output
    )


def test_content_check_names_the_file_and_field_of_a_page_problem(runner, content_dir):
    write_page(content_dir, "team.md", "---\nsummary: Who we are.\norder: first\n---\nText.\n")
    write_page(
        content_dir, "rooms.md", "---\ntitle: Rooms\nsummary: Where.\n---\n[a](/articles/x)\n"
    )
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "content/pages/team.md: title: is required and missing or empty" in result.output
    assert "content/pages/rooms.md: body: links to /articles/x, which does not exist" in (
        result.output
    )


def test_a_changed_page_asks_for_a_rebuild_and_a_rebuild_serves_it(runner, client, content_dir):
    write_page(
        content_dir, "rooms.md", "---\ntitle: Our rooms\nsummary: Where we meet.\n---\nHi.\n"
    )
    update = runner.invoke(args=["index", "update"])
    assert update.exit_code == 1 and "run 'index rebuild'" in update.output
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert tree(client, "/rooms").xpath("string(//main//h1)") == "Our rooms"


def test_contact_page_uses_plain_links_and_says_email_is_not_for_emergencies(client):
    response = client.get("/contact")
    page = html.fromstring(response.get_data())
    links = page.xpath("//main//a/@href")
    assert any(href.startswith("mailto:") for href in links)
    assert any(href.startswith("tel:") for href in links)
    assert {"tel:112", "tel:116123"} <= set(links)
    assert "not for emergencies" in page.xpath("string(//main)")
    assert not page.xpath("//main//form")
    assert "Set-Cookie" not in response.headers


def test_privacy_page_names_every_field_the_access_log_records(client):
    # The log format is the truth; the page must say each thing it records, and that the
    # query string (where search words are) is left out.
    log_format = re.search(r"access_log_format = '(.*)'", (ROOT / "gunicorn.conf.py").read_text())
    assert set(re.findall(r"%\((\w)\)s", log_format.group(1))) == set("htmUsBM")
    words = " ".join(tree(client, "/privacy").xpath("string(//main)").split())
    for said in ("IP) address", "date and time", "page address asked for, without anything "
                 "after a ?", "how large the answer was and how long it took",
                 "No cookies", "Searches are not recorded"):  # fmt: skip
        assert said in words
