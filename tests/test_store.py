"""An index update stores only what changed and serves the same library a rebuild would."""

from __future__ import annotations

import logging
import os
from dataclasses import replace

from webapp.building import pipeline
from webapp.generation import store
from webapp.generation.folder import current_generation
from webapp.generation.snapshot import load_snapshot


def test_update_rewrites_only_touched_chunks_and_matches_a_rebuild(content_dir, tmp_path):
    index_dir = tmp_path / "ix"
    pipeline.rebuild(content_dir, index_dir)
    live = index_dir / current_generation(index_dir)
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA line about *herons*.\n", encoding="utf-8"
    )
    (content_dir / "articles" / "quiet-walks.md").write_text(
        "---\ntitle: Quiet walks\nsummary: Walking and anxiety.\ndate: 2026-05-01\n"
        "tags: [anxiety]\n---\nWalking can ease anxiety and worry for some people.\n",
        encoding="utf-8",
    )
    pipeline.update(content_dir, index_dir)
    updated = index_dir / current_generation(index_dir)
    touched = {store.chunk_of("understanding-anxiety"), store.chunk_of("quiet-walks")}
    for number in range(store.CHUNKS):
        # An untouched chunk is the live generation's file, hard-linked.
        name = f"{store.FOLDER}/articles-{number:02}.pickle"
        same_file = (live / name).stat().st_ino == (updated / name).stat().st_ino
        assert same_file == (number not in touched)
    library, related = store.read(updated)
    assert "<em>herons</em>" in library.articles["understanding-anxiety"].body_html
    assert "quiet-walks" in library.articles and "quiet-walks" in related

    rebuilt_dir = tmp_path / "rebuilt"
    pipeline.rebuild(content_dir, rebuilt_dir)
    rebuilt, rebuilt_related = store.read(rebuilt_dir / current_generation(rebuilt_dir))
    assert set(library.articles) == set(rebuilt.articles)
    for slug, article in rebuilt.articles.items():
        assert library.articles[slug] == article
    assert library.authors == rebuilt.authors
    assert set(related) == set(rebuilt_related)


def test_serving_holds_articles_without_bodies_and_reads_each_whole_on_demand(index_dir, client):
    # Every server process keeps every article in memory for lists and panels, without the
    # body, plain text, table of contents and resources; a page reads its article from the
    # chunk files, equal to the article as serving held it before (whole but for the text).
    snapshot = load_snapshot(index_dir)
    try:
        held = snapshot.library.articles
        assert held and all(
            (a.body_html, a.body_text, a.link_spans, a.toc, a.resources) == ("", "", (), (), ())
            for a in held.values()
        )
        folder = index_dir / current_generation(index_dir)
        stored, _ = store.read(folder)
        assert all(stored.articles[slug].body_text for slug in held)
        for slug, article in held.items():
            whole = snapshot.article(slug)
            # (The places of its links' words go with the text.)
            assert whole == replace(stored.articles[slug], body_text="", link_spans=())
            assert store.served(whole) == article
        assert any(snapshot.article(slug).toc for slug in held)
        assert snapshot.article("no-such-article") is None
        assert snapshot.article(next(iter(stored.drafts))) is None  # drafts: the library's
    finally:
        snapshot.close()
    page = client.get("/articles/understanding-anxiety").get_data(as_text=True)
    assert "min read" in page and "<h1>Understanding anxiety</h1>" in page


def _scribble_article(index_dir, slug: str) -> None:
    """Overwrite the middle of an article's stored bytes, in place (same file, same inode)."""
    path = index_dir / current_generation(index_dir) / store.FOLDER
    path = path / f"articles-{store.chunk_of(slug):02}.pickle"
    with path.open("rb") as handle:
        fd = handle.fileno()
        base, table = store._table(
            os.pread(fd, store._HEAD.size, 0), lambda at, size: os.pread(fd, size, at)
        )
    offset, length, _ = table[slug]
    with path.open("r+b") as handle:
        handle.seek(base + offset + length // 2)
        handle.write(b"\xff" * 16)


def test_a_damaged_article_read_on_demand_gets_the_updating_page_and_the_log(
    index_dir, client, caplog
):
    # The checksums were right when the generation opened; the bytes went bad afterwards.
    assert client.get("/").status_code == 200
    _scribble_article(index_dir, "understanding-anxiety")
    with caplog.at_level(logging.ERROR, logger="webapp"):
        response = client.get("/articles/understanding-anxiety")
        html = response.get_data(as_text=True)
    assert response.status_code == 503 and "The site is being updated" in html
    assert "Traceback" not in html and str(index_dir) not in html
    assert response.headers["Cache-Control"] == "no-store"
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("understanding-anxiety" in m and "index rebuild" in m for m in said), said
    # Everything else is still served, and the related panel needs no body.
    assert client.get("/").status_code == 200
    assert client.get("/articles/understanding-anxiety/related").status_code == 200
    order = store.read_meta(index_dir / current_generation(index_dir)).order
    other = next(s for s in order if s != "understanding-anxiety")
    assert client.get(f"/articles/{other}").status_code == 200


def test_a_served_generation_removed_from_disk_still_reads_its_articles(index_dir, client):
    # Chunk files stay open while the generation serves: a build that removes an old
    # generation while a worker still serves it does not take its pages away.
    assert client.get("/").status_code == 200
    folder = index_dir / current_generation(index_dir) / store.FOLDER
    for path in folder.glob("articles-*.pickle"):
        path.unlink()
    response = client.get("/articles/understanding-anxiety")
    assert response.status_code == 200 and "<h1>Understanding anxiety</h1>" in response.text


def test_an_update_that_edits_a_draft_keeps_it_with_its_changes(content_dir, tmp_path):
    # Drafts are stored too (the preview shows them; link checks read them): an update used
    # to drop a draft it had read again, as if it were deleted.
    index_dir = tmp_path / "ix"
    pipeline.rebuild(content_dir, index_dir)
    path = content_dir / "articles" / "draft-coming-soon-working-with-couples.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    pipeline.update(content_dir, index_dir)
    library, _ = store.read(index_dir / current_generation(index_dir))
    draft = library.drafts["draft-coming-soon-working-with-couples"]
    assert "A new paragraph." in draft.body_html
    assert "draft-coming-soon-working-with-couples" not in library.articles
