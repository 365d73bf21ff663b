"""Pre-rendered article pages and related panels: what visitors get is byte for byte what a
live render gives, never older than the content, and anything unusual renders as before."""

from __future__ import annotations

import errno
import gzip
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest
from flask import request, template_rendered

from webapp.building import prerender
from webapp.generation import packs
from webapp.generation.folder import current_generation
from webapp.web import htmx
from webapp.web.views import articles

from .conftest import change_site_settings, htmx_headers, make_app

GZIP = {"Accept-Encoding": "gzip"}
# What browsers send (Chromium adds zstd), and what the pages are stored for.
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
ARTICLE = "/articles/choosing-a-counsellor"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}


def body(response) -> str:
    """Return the response's text, decoded from brotli or gzip where it was sent so."""
    return DECODE[response.headers.get("Content-Encoding")](response.data).decode()


def page_urls(client):
    """Return the path of every public article, from the sitemap."""
    sitemap = client.get("/sitemap.xml").get_data(True)
    paths = [urlsplit(loc.split("</loc>")[0]).path for loc in sitemap.split("<loc>")[1:]]
    return [path for path in paths if path.startswith("/articles/")]


@pytest.fixture
def prerendered(runner):
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def no_rendering(monkeypatch):
    """Make any template rendering of article pages and related panels fail loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered on request")

    monkeypatch.setattr(articles, "render_template", refuse)
    monkeypatch.setattr(htmx, "render_template", refuse)


def test_rebuild_prerenders_every_article_page_and_related_panel(prerendered, client):
    articles_count = len(page_urls(client))
    assert f"Pre-rendered {2 * articles_count} pages (0 unchanged, copied)" in prerendered
    # With a progress bar while it runs: at 10,000 articles that is a quarter of a minute.
    assert "Pre-rendering pages" in prerendered.split("Indexed", 1)[1]


def test_prerendered_pages_are_served_without_rendering(prerendered, client, no_rendering):
    page = client.get(ARTICLE, headers=BROWSER)
    assert page.status_code == 200
    assert "<h1>Choosing a counsellor</h1>" in body(page)
    panel = client.get(f"{ARTICLE}/related", headers={**BROWSER, **htmx_headers()})
    assert panel.status_code == 200
    assert 'class="related-list"' in body(panel)
    # A revalidating browser still gets its 304, with the security headers.
    again = client.get(ARTICLE, headers={**BROWSER, "If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert "Content-Security-Policy" in again.headers


def test_prerendered_pages_equal_a_live_render(prerendered, content_dir, index_dir):
    assert_stored_pages_equal_a_live_render(content_dir, index_dir)


def test_pages_rendered_by_worker_processes_equal_a_live_render(
    content_dir, index_dir, monkeypatch
):
    # A large library is pre-rendered by a process per core; here every page goes that way.
    monkeypatch.setattr(prerender, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(prerender, "SHARE", 5)
    monkeypatch.setattr(prerender, "available_cores", lambda: 2)
    in_this_process = []
    monkeypatch.setattr(prerender, "_render", lambda *args: in_this_process.append(args))
    report = prerender.render_pages(make_app(content_dir, index_dir))
    monkeypatch.undo()
    assert in_this_process == []
    served = make_app(content_dir, index_dir).test_client()
    assert report.rendered == 2 * len(page_urls(served)) > 2 * 5
    assert_stored_pages_equal_a_live_render(content_dir, index_dir)


def test_pages_from_a_worker_running_other_code_are_rendered_again(
    content_dir, index_dir, monkeypatch
):
    # A deploy between starting the command and its workers: they run newer code than the
    # fingerprint the pack will carry, so what they rendered is not used.
    monkeypatch.setattr(prerender, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(prerender, "available_cores", lambda: 2)
    monkeypatch.setattr(packs, "_code_digest", lambda: "older-code")
    rendered_here = set()  # pages whose templates ran in this process, not in a worker

    def rendered(sender, template, **_):
        rendered_here.add((request.path, htmx.wants_fragment()))

    with template_rendered.connected_to(rendered):
        report = prerender.render_pages(make_app(content_dir, index_dir))
    assert report is not None and len(rendered_here) == report.rendered > 0


def assert_stored_pages_equal_a_live_render(content_dir, index_dir):
    """Every article page and related panel the pack serves is byte for byte a live render."""
    served_app = make_app(content_dir, index_dir, PAGE_CACHE_BYTES=0)
    packs = served_app.extensions["page_packs"]
    from_pack = []
    stored = packs.get
    packs.get = lambda *args: from_pack.append(stored(*args)) or from_pack[-1]
    served = served_app.test_client()
    live_app = make_app(content_dir, index_dir, PAGE_CACHE_BYTES=0)
    live_app.extensions["page_packs"].get = lambda *args: None
    live = live_app.test_client()
    compared = 0
    for path in page_urls(served):
        for url, headers in ((path, BROWSER), (f"{path}/related", {**BROWSER, **htmx_headers()})):
            ours, theirs = served.get(url, headers=headers), live.get(url, headers=headers)
            assert ours.status_code == theirs.status_code == 200, url
            assert body(ours) == body(theirs), url
            assert sorted(ours.headers.items()) == sorted(theirs.headers.items()), url
            compared += 1
    assert compared > 0 and sum(found is not None for found in from_pack) == compared


def test_an_update_shows_the_edited_article_and_panels_listing_it(
    prerendered, runner, client, content_dir
):
    path = content_dir / "articles" / "choosing-a-counsellor.md"
    path.write_text(
        path.read_text().replace("title: Choosing a counsellor", "title: Finding a counsellor")
    )
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    assert "unchanged, copied" in result.output
    page = body(client.get(ARTICLE, headers=BROWSER))
    assert "<h1>Finding a counsellor</h1>" in page
    listing = [
        url
        for url in page_urls(client)
        if "Finding a counsellor" in client.get(f"{url}/related", headers=htmx_headers()).text
    ]
    assert listing, "some related panel should list the edited article"
    for url in listing:
        panel = client.get(f"{url}/related", headers={**BROWSER, **htmx_headers()})
        assert "Finding a counsellor" in body(panel)
        assert "Choosing a counsellor" not in body(panel)


@pytest.mark.parametrize("command", ["update", "rebuild"])
def test_an_edit_to_the_body_alone_reaches_the_page_browsers_get(
    prerendered, runner, client, content_dir, command
):
    path = content_dir / "articles" / "choosing-a-counsellor.md"
    added = "A sentence added to the body and nowhere else."
    path.write_text(
        path.read_text().replace("## Questions to ask", f"{added}\n\n## Questions to ask")
    )
    result = runner.invoke(args=["index", command])
    assert result.exit_code == 0, result.output
    assert added in body(client.get(ARTICLE, headers=BROWSER))
    assert added in body(client.get(ARTICLE, headers=GZIP))


def test_only_pages_whose_content_changed_are_rendered_again(prerendered, runner, content_dir):
    path = content_dir / "authors" / "robin-sample.md"
    path.write_text(path.read_text().replace("made-up author", "invented author"))
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    robins = len(list((content_dir / "articles").glob("*.md")))  # an upper bound
    rendered = int(result.output.split("Pre-rendered ", 1)[1].split(" ", 1)[0])
    assert 0 < rendered < robins  # Robin's public articles, not every page


def test_author_change_reaches_their_prerendered_articles(prerendered, runner, client, content_dir):
    path = content_dir / "authors" / "robin-sample.md"
    path.write_text(path.read_text().replace("made-up author", "invented author"))
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    page = client.get("/articles/setting-healthy-boundaries", headers=BROWSER)
    assert "invented author" in body(page)


def test_a_server_with_other_settings_ignores_the_pages(prerendered, content_dir, index_dir):
    change_site_settings(content_dir, name="Another Sample Practice")
    client = make_app(content_dir, index_dir).test_client()
    page = body(client.get(ARTICLE, headers=BROWSER))
    assert "Another Sample Practice" in page


@pytest.mark.parametrize("damage", ["index", "pack", "flipped byte"])
def test_damaged_pages_are_rendered_on_request(prerendered, content_dir, index_dir, damage):
    folder = index_dir / (index_dir / "CURRENT").read_text().strip()
    if damage == "index":
        (folder / packs.INDEX_FILE).write_bytes(b"not a pickle")
    elif damage == "pack":
        for pack in folder.glob("pages-*.pack"):
            pack.write_bytes(b"")
    else:  # the same length, one bit different: no visitor may get it
        for pack in folder.glob("pages-*.pack"):
            data = bytearray(pack.read_bytes())
            for position in range(0, len(data), 512):
                data[position] ^= 1
            pack.write_bytes(bytes(data))
    client = make_app(content_dir, index_dir).test_client()
    page = client.get(ARTICLE, headers=BROWSER)
    assert page.status_code == 200
    assert "<h1>Choosing a counsellor</h1>" in body(page)


def test_a_site_mounted_under_a_path_gets_its_own_links(prerendered, client):
    page = client.get(ARTICLE, headers=BROWSER, base_url="http://localhost/help/")
    assert 'href="/help/articles/choosing-a-counsellor/related"' in body(page)


def test_pages_are_stored_in_brotli_and_gzip_clients_get_the_same_page(
    prerendered, client, no_rendering
):
    page = client.get(ARTICLE, headers=BROWSER)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "br"
    panel = client.get(f"{ARTICLE}/related", headers={**BROWSER, **htmx_headers()})
    assert panel.headers["Content-Encoding"] == "br"
    # A client that takes only gzip is not sent brotli: its page is rendered on request.
    with pytest.raises(AssertionError, match="rendered on request"):
        client.get(ARTICLE, headers=GZIP)


def test_a_gzip_client_gets_the_stored_page_gzipped(prerendered, client):
    stored = client.get(ARTICLE, headers=BROWSER)
    gzipped = client.get(ARTICLE, headers=GZIP)
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert body(gzipped) == body(stored)
    assert gzipped.headers["ETag"] != stored.headers["ETag"]


def test_clients_without_gzip_get_plain_html(prerendered, client):
    page = client.get(ARTICLE)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    assert "<h1>Choosing a counsellor</h1>" in page.get_data(True)


def test_pages_from_other_settings_are_read_once_not_at_every_request(
    prerendered, content_dir, index_dir, monkeypatch
):
    change_site_settings(content_dir, name="Another Sample Practice")
    client = make_app(content_dir, index_dir).test_client()  # checks for pages every request
    opened = []
    real_open = packs.PagePack.open
    monkeypatch.setattr(
        packs.PagePack, "open", lambda *args: opened.append(args) or real_open(*args)
    )
    for _ in range(3):
        assert "Another Sample Practice" in body(client.get(ARTICLE, headers=BROWSER))
    assert len(opened) == 1


def test_a_failed_pre_render_leaves_no_half_written_pages(content_dir, index_dir, monkeypatch):
    def fail(*args):
        raise RuntimeError("rendering stopped part-way (a worker killed, say)")

    monkeypatch.setattr(prerender, "_render", fail)
    with pytest.raises(RuntimeError):
        prerender.render_pages(make_app(content_dir, index_dir))
    generation = index_dir / current_generation(index_dir)
    assert list(generation.glob(f"{packs.PACK_PREFIX}*")) == []
    assert not (generation / packs.INDEX_FILE).exists()


def test_an_update_pre_renders_what_a_killed_build_left_undone(prerendered, runner, index_dir):
    # Pre-rendering killed part-way leaves the live generation with a half-written pack and
    # no index of it; an update with no article changed used to say "Nothing to update" and
    # leave every page to be rendered on request for good.
    generation = index_dir / current_generation(index_dir)
    (generation / packs.INDEX_FILE).unlink()
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    assert f"Nothing to update: no article changed. Still serving {generation.name}." in (
        result.output
    )
    assert (
        "Its pages were never pre-rendered (the build that made it stopped before that): "
        "pre-rendering them now." in result.output
    )
    assert "Pre-rendered 34 pages" in result.output
    assert current_generation(index_dir) == generation.name
    assert (generation / packs.INDEX_FILE).exists()
    assert len(list(generation.glob(f"{packs.PACK_PREFIX}*"))) == 1  # the dead one removed
    # Done once: the next update has nothing left to finish.
    again = runner.invoke(args=["index", "update"])
    assert again.exit_code == 0 and "Pre-render" not in again.output, again.output


def test_an_update_pre_renders_pages_another_version_of_the_site_rendered(
    prerendered, runner, monkeypatch
):
    # A deploy of new code since the last build: its pages would never be served.
    monkeypatch.setattr(packs, "_code_digest", lambda: "newer-code")
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    assert "Its pages were pre-rendered by other code or settings" in result.output
    assert "Pre-rendered 34 pages" in result.output


def test_a_full_disk_while_pre_rendering_is_one_sentence_and_an_update_finishes_later(
    runner, index_dir, monkeypatch
):
    def disk_full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "pages.index")

    monkeypatch.setattr(prerender, "_write_index", disk_full)
    result = runner.invoke(args=["index", "rebuild"])
    monkeypatch.undo()
    # The new generation serves (pages render on request): the rebuild itself succeeded.
    assert result.exit_code == 0, result.output
    assert (
        "Pages were not pre-rendered (No space left on device): they render on request until "
        "'index update' pre-renders them.\n" in result.output
    )
    assert "Traceback" not in result.output
    generation = index_dir / current_generation(index_dir)
    assert list(generation.glob(f"{packs.PACK_PREFIX}*")) == []
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0 and "Pre-rendered 34 pages" in result.output, result.output


def test_a_deploy_that_changes_only_a_template_or_a_hook_makes_the_pages_render_again(tmp_path):
    # A pack is used only while the code that rendered it runs: a deploy that changed a
    # template or a response hook must not leave visitors the pages the old code made.
    from webapp.web import http_cache

    assert Path(http_cache.__file__).resolve().is_relative_to(packs.CODE_ROOT)
    assert (packs.CODE_ROOT / "templates" / "article.html").is_file()
    site = tmp_path / "webapp"
    shutil.copytree(packs.CODE_ROOT, site, ignore=shutil.ignore_patterns("__pycache__"))
    before = packs._code_digest.__wrapped__(site)
    for changed in ("templates/article.html", "templates/_related.html", "web/http_cache.py"):
        with (site / changed).open("a", encoding="utf-8") as file:
            file.write("\n")
        after = packs._code_digest.__wrapped__(site)
        assert after != before, changed
        before = after
