"""An index update stores only what changed and serves the same library a rebuild would."""

from __future__ import annotations

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


def test_serving_holds_no_plain_text_but_builds_still_read_it(index_dir, client):
    # Every server process keeps the whole library in memory; the text only indexing reads
    # is left out of it, and kept on disk for the next build.
    snapshot = load_snapshot(index_dir)
    try:
        served = snapshot.library.articles
        assert served and all(article.body_text == "" for article in served.values())
        folder = index_dir / current_generation(index_dir)
        stored, _ = store.read(folder)
        assert all(stored.articles[slug].body_text for slug in served)
        assert all(
            stored.articles[slug].body_html == article.body_html for slug, article in served.items()
        )
    finally:
        snapshot.close()
    page = client.get("/articles/understanding-anxiety").get_data(as_text=True)
    assert "min read" in page and "<h1>Understanding anxiety</h1>" in page


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
