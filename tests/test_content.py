"""The content model: rendering, validation, and bad files that never take the site down."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from webapp.content import load_library, scaffold_article
from webapp.index import rebuild
from webapp.rendering import render_markdown

from .conftest import FIXTURES

SAMPLE_ARTICLES = 17

BAD_FILES = [
    # (fixture, field the problem names, words the message must contain)
    ("missing_title.md", "title", "required"),
    ("missing_summary.md", "summary", "required"),
    ("bad_date.md", "date", "YYYY-MM-DD"),
    ("invalid_yaml.md", "front matter", "not valid YAML at line 3: a list opened with '['"),
    ("unknown_author.md", "author", "nobody-here"),
    ("not_utf8.md", None, "not UTF-8"),
]


def add_article(content_dir: Path, fixture: str) -> str:
    """Copy a fixture into the articles folder under a valid slug; return its shown path."""
    slug = Path(fixture).stem.replace("_", "-")
    shutil.copy(FIXTURES / fixture, content_dir / "articles" / f"{slug}.md")
    return f"content/articles/{slug}.md"


def test_sample_content_loads_without_problems():
    library = load_library(Path(__file__).parent.parent / "content")
    assert library.problems == []
    assert len(library.articles) == SAMPLE_ARTICLES
    assert len(library.authors) == 2
    assert "the-therapeutic-relationship" in library.articles
    assert all(not a.draft for a in library.articles.values())
    assert library.drafts, "the sample draft is read but kept apart"


@pytest.mark.parametrize(("fixture", "field", "words"), BAD_FILES)
def test_bad_file_is_reported_and_skipped(content_dir, fixture, field, words):
    shown = add_article(content_dir, fixture)
    library = load_library(content_dir)
    [problem] = library.problems
    assert problem.path == shown
    assert problem.field == field
    assert words in problem.message
    assert shown in str(problem) and "skipped" in str(problem)
    assert len(library.articles) == SAMPLE_ARTICLES


@pytest.mark.parametrize(
    ("front_matter", "line", "words"),
    [
        ('title: "Unclosed\nsummary: S\ndate: 2026-01-01', 2, "a quotation mark opened here"),
        ("title: T\nsummary: {a: b\ndate: 2026-01-01", 3, "a '{' opened here"),
        ("title: T\nsummary: S\ndate: 2026-01-01\n  tags: x: y", 5, "mapping values"),
    ],
)
def test_broken_front_matter_names_the_line_to_look_at(content_dir, front_matter, line, words):
    (content_dir / "articles" / "broken.md").write_text(f"---\n{front_matter}\n---\nBody.\n")
    [problem] = load_library(content_dir).problems
    assert f"is not valid YAML at line {line}: " in problem.message and words in problem.message


def test_duplicate_slug_is_reported_and_first_file_kept(content_dir):
    shutil.copytree(FIXTURES / "duplicate_slug", content_dir / "articles", dirs_exist_ok=True)
    library = load_library(content_dir)
    [problem] = library.problems
    assert "duplicate slug 'the-therapeutic-relationship'" in problem.message
    assert library.articles["the-therapeutic-relationship"].title == "The therapeutic relationship"


def test_bad_slug_file_name_is_reported(content_dir):
    shutil.copy(FIXTURES / "missing_title.md", content_dir / "articles" / "Bad Name.md")
    [problem] = load_library(content_dir).problems
    assert "not a valid slug" in problem.message and "bad-name.md" in problem.message


@pytest.mark.parametrize(("fixture", "field", "words"), BAD_FILES)
def test_a_first_build_leaves_out_a_bad_file_names_it_and_serves_the_rest(
    content_dir, tmp_path, fixture, field, words
):
    from webapp import create_app

    shown = add_article(content_dir, fixture)
    app = create_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(tmp_path / "ix")})
    # With no index yet there is nothing a refusal would keep serving: a fresh site serves
    # what it can, and the maintainer is told what was left out.
    result = app.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert shown in result.output and words in result.output
    assert "left out" in result.output
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/articles/the-therapeutic-relationship").status_code == 200
    slug = Path(shown).stem
    assert client.get(f"/articles/{slug}").status_code == 404


def test_markdown_is_rendered_with_heading_ids_self_links_and_typography():
    html, toc = render_markdown('Intro "quoted" -- dash.\n\n## First part\n\n### Detail\n')
    assert "“quoted”" in html and "–" in html
    assert '<h2 id="first-part">' in html
    assert 'href="#first-part"' in html
    assert [(h.level, h.id) for h in toc] == [(2, "first-part"), (3, "detail")]


def test_hostile_markup_is_removed(content_dir):
    add_article(content_dir, "hostile_markup.md")
    article = load_library(content_dir).articles["hostile-markup"]
    html = article.body_html.lower()
    for forbidden in (
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
    ):
        assert forbidden not in html, forbidden
    assert "a heading" in html and "before" in html


def test_drafts_are_never_public(content_dir):
    library = load_library(content_dir)
    draft = next(iter(library.drafts))
    assert draft not in library.articles
    assert all(a.slug != draft for a in library.latest())


def test_rebuild_refuses_content_with_problems_and_keeps_old_index(content_dir, tmp_path):
    index_dir = tmp_path / "ix"
    first = rebuild(content_dir, index_dir)
    add_article(content_dir, "bad_date.md")
    from webapp.index import IndexProblem, current_generation

    with pytest.raises(IndexProblem, match="bad-date.md"):
        rebuild(content_dir, index_dir)
    assert current_generation(index_dir) == first.generation


def test_scaffold_makes_a_valid_draft(content_dir):
    slug, text = scaffold_article("Coping with change: a start", dt.date(2026, 11, 1))
    assert slug == "coping-with-change-a-start"
    (content_dir / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    library = load_library(content_dir)
    assert library.problems == []
    assert library.drafts[slug].title == "Coping with change: a start"
