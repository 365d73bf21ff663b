"""The practice's look: colours from site.yml checked for contrast and served as our own
stylesheet, and a logo that is a plain drawing or is refused."""

from __future__ import annotations

import logging
import re

import pytest
from lxml import html

from webapp.web import theme
from webapp.web.security import CONTENT_SECURITY_POLICY

from .conftest import SECOND_THEME, change_site_settings, make_app, use_second_theme


def check(runner) -> tuple[int, str]:
    result = runner.invoke(args=["content", "check"])
    return result.exit_code, result.output


def stylesheets(page_html: str) -> list[str]:
    return html.fromstring(page_html).xpath('//link[@rel="stylesheet"]/@href')


def test_contrast_is_wcag_contrast():
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert theme.contrast("#fff", "#ffffff") == pytest.approx(1.0)


def test_content_check_refuses_a_pair_under_4_5_naming_field_ratio_and_a_shade_that_passes(
    runner, content_dir
):
    change_site_settings(content_dir, theme={"light": {"link": "#77aadd"},
                                             "dark": {"banner_background": "#ffffff"}})  # fmt: skip
    code, output = check(runner)
    assert code == 1
    assert (
        "site.yml: theme.light.link: links on the page background: #77aadd on #fbfaf7 has a "
        "contrast of 2.34:1, under the 4.5:1 WCAG asks for text; #527598 is the nearest "
        "darker shade that passes" in output
    )
    assert "site.yml: theme.dark.banner_background: the emergency banner's text:" in output
    # Each suggested shade, put in place of the colour named, makes its pair pass.
    suggestions = re.findall(
        r"theme\.\w+\.(\w+): [^:]+: (#\w+) on (#\w+) has .*; (#\w+) is the nearest", output
    )
    assert len(suggestions) == 4
    for field, fore, back, better in suggestions:
        pair = (better, back) if field == "link" else (fore, better)
        assert theme.contrast(*pair) >= 4.5


def test_content_check_names_a_colour_it_cannot_read_and_an_unknown_field(runner, content_dir):
    change_site_settings(content_dir, theme={"light": {"accent": "purple", "links": "#000"}})
    code, output = check(runner)
    assert code == 1
    assert "site.yml: theme.light.accent: 'purple' is not a colour: write it as #rrggbb" in output
    assert "site.yml: theme.light.links: is not a theme colour" in output


def test_a_theme_that_passes_is_served_as_our_own_stylesheet_after_style_css(
    runner, content_dir, index_dir
):
    use_second_theme(content_dir)
    assert check(runner) == (0, check(runner)[1])
    client = make_app(content_dir, index_dir).test_client()
    page = client.get("/fees")
    links = stylesheets(page.get_data(as_text=True))
    assert links[0].startswith("/static/style.css?v=") and links[1].startswith("/theme.css?v=")
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert " style=" not in page.get_data(as_text=True)
    css = client.get(links[1])
    assert css.mimetype == "text/css"
    assert "immutable" in css.headers["Cache-Control"]
    text = css.get_data(as_text=True)
    light, dark = text.split("@media (prefers-color-scheme: dark)")
    assert f"--link: {SECOND_THEME['light']['link']};" in light
    assert f"--accent-strong: {SECOND_THEME['light']['accent']};" in light
    assert f"--banner-bg: {SECOND_THEME['dark']['banner_background']};" in dark


def test_the_default_look_links_no_theme_stylesheet(client):
    assert len(stylesheets(client.get("/").get_data(as_text=True))) == 1


def test_a_scheme_that_fails_contrast_is_not_served_and_the_log_says_why(
    content_dir, index_dir, caplog
):
    change_site_settings(content_dir, theme={"light": {"link": "#77aadd"},
                                             "dark": {"link": "#f2b6d8"}})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        client = make_app(content_dir, index_dir).test_client()
    css_link = stylesheets(client.get("/").get_data(as_text=True))[1]
    css = client.get(css_link).get_data(as_text=True)
    assert "#77aadd" not in css and "--link: #f2b6d8;" in css
    assert "theme.light.link" in caplog.text and "content check" in caplog.text


def test_the_logo_is_served_from_our_origin_beside_the_site_name(content_dir, index_dir):
    use_second_theme(content_dir)
    client = make_app(content_dir, index_dir).test_client()
    page = html.fromstring(client.get("/").get_data())
    (logo,) = page.xpath('//a[@class="site-name"]/img')
    assert logo.get("alt") == "" and logo.get("src").startswith("/theme/logo.svg?v=")
    served = client.get(logo.get("src"))
    assert served.mimetype == "image/svg+xml"
    assert served.get_data() == (content_dir / "logo.svg").read_bytes()


UNSAFE_LOGOS = {
    "script": ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
               "has a <script> element"),
    "handler": ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                "has an event handler (onload)"),
    "foreign": ('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
                "has a <foreignObject> element"),
    "style": ('<svg xmlns="http://www.w3.org/2000/svg"><style>*{}</style></svg>',
              "has a <style> element"),
    "external": ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
                 '<linearGradient x:href="https://example.org/a.svg#g"/></svg>',
                 "links to 'https://example.org/a.svg#g'"),
    "fill-url": ('<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://example.org/)"/>'
                 "</svg>", "points outside the logo"),
    "entity": ('<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>',
               "has a DOCTYPE or ENTITY declaration"),
    "not-svg": ("<html/>", "is not an SVG image"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(UNSAFE_LOGOS))
def test_a_logo_that_could_run_load_or_style_anything_is_refused_by_name(
    case, runner, content_dir, index_dir
):
    svg, problem = UNSAFE_LOGOS[case]
    (content_dir / "logo.svg").write_text(svg, encoding="utf-8")
    change_site_settings(content_dir, theme={"logo": "logo.svg"})
    code, output = check(runner)
    assert code == 1
    assert re.search(rf"site.yml: theme.logo: 'logo.svg': [^\n]*{re.escape(problem)}", output)
    client = make_app(content_dir, index_dir).test_client()
    assert not html.fromstring(client.get("/").get_data()).xpath("//header//img")
    assert client.get("/theme/logo.svg").status_code == 404


def test_a_logo_outside_the_content_folder_is_refused(runner, content_dir, tmp_path):
    (tmp_path / "elsewhere.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    change_site_settings(content_dir, theme={"logo": "../elsewhere.svg"})
    code, output = check(runner)
    assert code == 1
    assert "site.yml: theme.logo: '../elsewhere.svg' is outside content/" in output
