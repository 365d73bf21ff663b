"""The content model: rendering, validation, and bad files that never take the site down."""

from __future__ import annotations

import ast
import datetime as dt
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path

import pytest

from webapp import files
from webapp.authoring import reader
from webapp.authoring.reader import load_library, scaffold_article
from webapp.authoring.rendering import render_markdown
from webapp.building.pipeline import rebuild

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
    from webapp.generation.folder import IndexProblem, current_generation

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


def write_article(content_dir: Path, name: str, front: str, body: str = "Body.\n") -> Path:
    path = content_dir / "articles" / name
    path.write_bytes(f"---\n{front}\n---\n{body}".encode())
    return path


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "x" * 100_000),
        ("updated", "2026-" * 20_000),
        ("draft", "maybe" * 20_000),
        ("author", "someone-" * 20_000),
        ("resources", f"[{{title: T, url: {'y' * 100_000}}}]"),
        ("tags", f"['{'!' * 100_000}']"),
    ],
)
def test_a_bad_value_is_quoted_short(content_dir, field, value):
    front = "title: T\nsummary: S\ndate: 2026-01-01"
    front = front.replace("date: 2026-01-01", "") if field == "date" else front
    write_article(content_dir, "long-value.md", f"{front}\n{field}: {value}")
    [problem] = load_library(content_dir).problems
    assert problem.path == "content/articles/long-value.md"
    assert problem.field.startswith(field)
    assert len(str(problem)) < 300, str(problem)[:300]
    assert "…" in str(problem)


def test_a_list_where_a_date_belongs_is_named_by_its_kind(content_dir):
    write_article(content_dir, "listed.md", "title: T\nsummary: S\ndate: [2026, 1, 1]")
    [problem] = load_library(content_dir).problems
    assert (problem.field, problem.message) == (
        "date",
        "a list is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14",
    )


def test_problems_escape_control_characters_from_the_files(content_dir):
    # Field names come from the file too: a bidi override in one is shown as an escape.
    write_article(
        content_dir, "odd-field.md", 'title: T\nsummary: S\ndate: 2026-01-01\n"mo\u202eod": x'
    )
    [problem] = load_library(content_dir).problems
    assert str(problem).startswith("content/articles/odd-field.md: mo\\u202eod: is not a field")
    assert "\u202e" not in str(problem)


def test_numbers_and_text_as_unknown_field_names_are_each_named(content_dir):
    write_article(content_dir, "mixed.md", "title: T\nsummary: S\ndate: 2026-01-01\n1: x\nmood: y")
    assert sorted(p.field for p in load_library(content_dir).problems) == ["1", "mood"]


def test_an_author_file_with_an_unknown_field_is_named_and_still_used(content_dir):
    # A misspelt field ("credential") would otherwise vanish from the page without a word.
    path = content_dir / "authors" / "sam-example.md"
    path.write_text(path.read_text("utf-8").replace("credentials:", "credential:"), "utf-8")
    library = load_library(content_dir)
    [problem] = library.problems
    assert (problem.path, problem.field) == ("content/authors/sam-example.md", "credential")
    assert "is not a field we use (known: credentials, name)" in problem.message
    assert "skipped" not in str(problem)
    assert library.authors["sam-example"].name == "Sam Example"


@pytest.mark.parametrize("tag", ["🙂", "!!!", " - "])
def test_a_tag_with_no_letters_or_digits_never_becomes_a_topic(content_dir, tag):
    write_article(
        content_dir, "no-words.md", f'title: T\nsummary: S\ndate: 2026-01-01\ntags: ["{tag}"]'
    )
    library = load_library(content_dir)
    [problem] = library.problems
    assert (problem.path, problem.field) == ("content/articles/no-words.md", "tags")
    assert all(topic.slug for topic, _ in library.topics())
    assert "no-words" not in library.articles


def test_a_byte_order_mark_at_the_start_of_a_file_is_accepted(content_dir):
    # Some Windows editors save UTF-8 with one; the README says it is fine.
    write_article(content_dir, "with-bom.md", "title: T\nsummary: S\ndate: 2026-01-01")
    path = content_dir / "articles" / "with-bom.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    library = load_library(content_dir)
    assert library.problems == []
    assert library.articles["with-bom"].title == "T"


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x",  # an alias
        "base: &b {x: 1}\nother:\n  <<: *b",  # a merge needs an alias
        "a: " + "[" * 21 + "]" * 21,
        "a: " + "{b: " * 21 + "1" + "}" * 21,
        "a:\n" + "".join(" " * n + f"k{n}:\n" for n in range(1, 22)) + " " * 22 + "v",
    ],
)
def test_yaml_aliases_and_deep_nesting_are_refused(text):
    import yaml

    from webapp.files import load_yaml

    with pytest.raises(yaml.YAMLError) as refused:
        load_yaml(text)
    assert refused.value.problem_mark is not None


def test_yaml_within_bounds_loads_as_it_always_did():
    from webapp.files import MAX_YAML_DEPTH, load_yaml

    depth = MAX_YAML_DEPTH - 1  # the mapping holding `a` is a level too
    text = "a: " + "[" * depth + "]" * depth + "\nb: &anchor-unused 2"
    assert load_yaml(text)["b"] == 2


def test_the_size_cap_is_checked_before_reading(content_dir, monkeypatch):

    path = write_article(content_dir, "just-over.md", "title: T\nsummary: S\ndate: 2026-01-01")
    monkeypatch.setattr(files, "MAX_FILE_BYTES", path.stat().st_size - 1)

    class NoReading:  # the os module as files.py sees it, but reading fails the test
        def __getattr__(self, name):
            return getattr(os, name)

        def read(self, *args):
            pytest.fail("read a refused file")

    monkeypatch.setattr(files, "os", NoReading())
    with pytest.raises(files.ContentError, match="more than the"):
        files.read_file(path, content_dir)
    assert files.fingerprint(path, content_dir).startswith("refused: ")


def _imports_of(module_file: Path) -> tuple[set[Path], set[str]]:
    """Return the webapp modules a module imports at its top, all the way down, and the
    top-level names of the other packages they import that are not Python's own. (Imports
    inside a function are left out: the reader's is a constant for reading site.yml.)"""
    package = Path(reader.__file__).parents[1]
    seen: set[Path] = set()
    outside: set[str] = set()
    waiting = [module_file]
    while waiting:
        path = waiting.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "webapp":
                    found = package.parent.joinpath(*name.split("."))
                    for candidate in (found.with_suffix(".py"), found / "__init__.py"):
                        if candidate.is_file() and candidate.name != "__init__.py":
                            waiting.append(candidate)
                elif top not in sys.stdlib_module_names and top != "__future__":
                    outside.add(top)
    return seen, outside


def test_the_render_version_covers_every_module_and_library_that_shapes_an_article():
    # A deploy that changes how front matter is parsed (say) must make the next build read
    # every article again, not reuse the Articles the old code made.
    modules, libraries = _imports_of(Path(reader.__file__))
    assert modules == {Path(m) for m in reader.RENDERING_MODULES}
    distributions = metadata.packages_distributions()
    assert {d for top in libraries for d in distributions[top]} <= set(reader.RENDERING_LIBRARIES)
