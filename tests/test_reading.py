"""Reading aids and quick exit, as the server renders them."""

from __future__ import annotations

import pytest
from lxml import html

from webapp.building import pipeline

from .conftest import change_site_settings, make_app
from .test_views import first_in_body, text_of

QUICK_EXIT_ARTICLE = "/articles/recognising-an-unhealthy-relationship"
ORDINARY_ARTICLE = "/articles/living-with-grief"
NEUTRAL = "https://www.bbc.co.uk/weather"


def write_article(content_dir, slug: str, body: str, **front) -> None:
    """Add an article to a test's content copy."""
    fields = {
        "title": slug.replace("-", " ").capitalize(),
        "summary": "A test article.",
        "date": "2026-01-01",
        **front,
    }
    lines = "".join(f"{key}: {value}\n" for key, value in fields.items())
    (content_dir / "articles" / f"{slug}.md").write_text(
        f"---\n{lines}---\n{body}", encoding="utf-8"
    )


def client_on(content_dir, tmp_path, **config):
    """Return a test client for the site on this content, with a freshly built index."""
    pipeline.rebuild(content_dir, tmp_path / "fresh-index")
    return make_app(content_dir, tmp_path / "fresh-index", **config).test_client()


def sections(count: int, subsections: int = 0) -> str:
    """Return Markdown with `count` `##` sections, each with `subsections` `###` ones."""
    parts = []
    for n in range(1, count + 1):
        parts.append(f"## Part {n}\n\nText.\n")
        parts += [f"### Detail {n}.{m}\n\nMore.\n" for m in range(1, subsections + 1)]
    return "\n".join(parts)


# --- table of contents and review dates ---------------------------------------------------


def test_contents_list_needs_four_sections_and_subsections_do_not_count(content_dir, tmp_path):
    write_article(content_dir, "three-sections", sections(3, subsections=2))
    write_article(content_dir, "four-sections", sections(4, subsections=1))
    client = client_on(content_dir, tmp_path)

    short = client.get("/articles/three-sections").get_data(as_text=True)
    assert "On this page" not in short

    long = html.fromstring(client.get("/articles/four-sections").get_data())
    (toc,) = long.xpath('//nav[@class="toc"]')
    assert [a.text for a in toc.iter("a")] == ["Part 1", "Part 2", "Part 3", "Part 4"]
    assert [a.get("href") for a in toc.iter("a")] == [f"#part-{n}" for n in range(1, 5)]
    for n in range(1, 5):  # each entry lands on a heading with a self-link beside it
        (heading,) = long.xpath(f'//h2[@id="part-{n}"]')
        (link,) = heading.xpath(f'following-sibling::a[@class="headerlink"][@href="#part-{n}"]')
        assert link.get("aria-label") == f"Link to this section: Part {n}"


def test_review_line_uses_the_interval_from_site_settings(content_dir, tmp_path):
    change_site_settings(content_dir, review_interval_years=1)
    write_article(content_dir, "leap-day-review", "Text.\n", reviewed="2028-02-29")
    client = client_on(content_dir, tmp_path)
    text = text_of(client.get("/articles/leap-day-review").get_data(as_text=True))
    assert "Page last reviewed: 29 February 2028 · Next review due: 28 February 2029" in text


def test_no_review_line_without_a_review_date(client):
    page = client.get("/articles/panic-attacks-what-helps").get_data(as_text=True)
    assert "Page last reviewed" not in page and "Next review due" not in page


# --- quick exit ---------------------------------------------------------------------------


def quick_exit_links(page_html: str) -> list:
    """Return the page's quick exit links."""
    return html.fromstring(page_html).xpath('//a[contains(@class, "quick-exit")]')


def test_an_article_can_turn_quick_exit_on_for_itself(client):
    page = client.get(QUICK_EXIT_ARTICLE).get_data(as_text=True)
    assert first_in_body(page).startswith('<section class="emergency"')  # banner stays first
    button, about = quick_exit_links(page)
    assert button.get("href") == NEUTRAL and button.get("data-quick-exit-url") == NEUTRAL
    assert button.get("rel") == "noopener noreferrer" and button.text == "Quick exit"
    assert about.text == "About quick exit" and about.get("href") == "/quick-exit"
    # At the top: before the site's header and the article itself.
    assert page.index('class="quick-exit"') < page.index('<header class="site-header"')
    assert "quick-exit.js" in page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        ORDINARY_ARTICLE,
        f"{QUICK_EXIT_ARTICLE}/related",
        "/topics",
        "/topics/relationships",
        "/search?q=relationship",
        "/authors/robin-sample",
        "/no-such-page",
    ],
)
def test_quick_exit_is_off_everywhere_else_by_default(client, path):
    page = client.get(path).get_data(as_text=True)
    assert quick_exit_links(page) == [] and "quick-exit.js" not in page


def test_site_settings_turn_quick_exit_on_everywhere(content_dir, index_dir):
    neutral = "https://neutral.example.org/weather"
    change_site_settings(
        content_dir, quick_exit={"enabled": True, "url": neutral, "label": "Leave this site"}
    )
    client = make_app(content_dir, index_dir).test_client()
    for path in ("/", ORDINARY_ARTICLE, QUICK_EXIT_ARTICLE, "/topics", "/no-such-page"):
        button, _about = quick_exit_links(client.get(path).get_data(as_text=True))
        assert button.get("href") == neutral and button.text == "Leave this site", path


def test_about_quick_exit_page_explains_its_limits_calmly(client):
    response = client.get("/quick-exit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(page)
    assert "<h1>About quick exit</h1>" in page
    assert "does not delete your browsing history" in text
    assert "Shift" in text and "three times" in text
    for words in (
        "Incognito",
        "InPrivate",
        "private window",
        "Secret mode",
        "iPhone",
        "Android",
        "Clear History",
    ):
        assert words in text, words
    # Someone reading about quick exit may need it there and then.
    assert quick_exit_links(page)[0].get("href") == NEUTRAL
