"""Maintainer commands, run as a maintainer would: `flask --app wsgi index …`, `content …`."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import index

from .conftest import FIXTURES, ROOT, drop_links_to

ARTICLE = "content/articles/the-therapeutic-relationship.md"
SAMPLE = ROOT / "content" / "articles"


def test_rebuild_shows_progress_and_a_summary(runner, index_dir):
    before = index.current_generation(index_dir)
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    # A progress bar for each stage, in order: at 10,000 articles each takes a while.
    stages = ["Reading articles", "Indexing articles", "Finding related articles"]
    assert all(stage in result.output for stage in stages)
    assert sorted(stages, key=result.output.index) == stages
    assert "Indexed 17 articles in" in result.output and "0 problems" in result.output
    after = index.current_generation(index_dir)
    assert after != before and after in result.output


def test_rebuild_tells_each_stage_in_turn_until_it_is_done(content_dir, tmp_path):
    told: list[tuple[str, int, int]] = []
    index.rebuild(content_dir, tmp_path / "ix", progress=lambda *report: told.append(report))
    stages = [index.READING, index.INDEXING, index.RELATING]
    assert list(dict.fromkeys(stage for stage, _, _ in told)) == stages
    for stage in stages:
        done = [(n, total) for s, n, total in told if s == stage]
        assert done == sorted(done) and done[-1][0] == done[-1][1] > 0
    assert [t for t in told if t[0] == index.READING][-1][1:] == (18, 18)  # the draft too


def test_rebuild_with_bad_content_fails_and_old_index_keeps_serving(
    runner, client, content_dir, index_dir
):
    before = index.current_generation(index_dir)
    (content_dir / "articles" / "bad-date.md").write_bytes((FIXTURES / "bad_date.md").read_bytes())
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code != 0
    assert "content/articles/bad-date.md: date" in result.output
    assert "old one is still serving" in result.output
    assert index.current_generation(index_dir) == before
    assert client.get("/search?q=relationship").status_code == 200


def test_update_reindexes_only_what_changed(runner, client, content_dir):
    path = content_dir / "articles" / "the-therapeutic-relationship.md"
    path.write_text(path.read_text() + "\nA word: zanzibarquill.\n")
    (content_dir / "articles" / "living-with-grief.md").unlink()
    assert drop_links_to(content_dir, "living-with-grief") == ["supporting-someone-who-is-grieving"]
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    assert "Updated 3 articles" in result.output
    assert "The therapeutic relationship" in client.get("/search?q=zanzibarquill").get_data(True)
    assert client.get("/articles/living-with-grief").status_code == 404
    assert client.get("/articles/understanding-anxiety").status_code == 200


def test_update_picks_up_a_new_article(runner, client, content_dir):
    result = runner.invoke(args=["content", "new", "Walking as a way to think"])
    assert result.exit_code == 0
    path = content_dir / "articles" / "walking-as-a-way-to-think.md"
    path.write_text(
        path.read_text()
        .replace("draft: true\n", "")
        .replace("Start writing here.", "Walking helps some people untangle their thoughts.")
    )
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0
    assert "Updated 1 article in" in result.output
    assert client.get("/articles/walking-as-a-way-to-think").status_code == 200
    assert "Walking as a way to think" in client.get("/search?q=untangle").get_data(True)


def test_update_with_nothing_changed_keeps_the_live_index(runner, index_dir):
    # A new generation would only make every server reload and drop its cached pages.
    before = index.current_generation(index_dir)
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    assert f"Nothing to update: no article changed. Still serving {before}." in result.output
    assert index.current_generation(index_dir) == before


def refused_update(runner, index_dir: Path) -> str:
    """Run `index update`, check it refused and left the live index serving; return its output."""
    before = index.current_generation(index_dir)
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 1, result.output
    assert "content has problems, so the index was not updated" in result.output
    assert "the old one is still serving" in result.output
    assert index.current_generation(index_dir) == before
    return result.output


def test_update_refuses_to_remove_an_article_others_link_to(runner, client, index_dir, content_dir):
    path = content_dir / "articles" / "living-with-grief.md"
    path.unlink()
    assert (
        "content/articles/supporting-someone-who-is-grieving.md: body: links to "
        "/articles/living-with-grief, which does not exist or is a draft"
    ) in refused_update(runner, index_dir)
    assert client.get("/articles/living-with-grief").status_code == 200
    # Making it a draft breaks the link the same way.
    path.write_text(
        (SAMPLE / "living-with-grief.md").read_text().replace("\n---\n", "\ndraft: true\n---\n", 1)
    )
    assert "links to /articles/living-with-grief" in refused_update(runner, index_dir)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("invalid_yaml.md", "front matter: is not valid YAML at line 3: a list opened with"),
        ("bad_date.md", "date: '2026-13-45' is not a date"),
        ("missing_title.md", "title: is required"),
        ("unknown_author.md", "author: no author with slug 'nobody-here'"),
    ],
)
def test_update_refuses_a_broken_article_naming_its_file_and_field(
    runner, index_dir, content_dir, fixture, expected
):
    (content_dir / "articles" / "new-piece.md").write_bytes((FIXTURES / fixture).read_bytes())
    assert f"content/articles/new-piece.md: {expected}" in refused_update(runner, index_dir)


def test_update_refuses_what_a_rebuild_refuses_in_a_changed_article(runner, index_dir, content_dir):
    path = content_dir / "articles" / "understanding-anxiety.md"
    original = path.read_text()
    path.write_text(original.replace("\n---\n", "\nmood: calm\n---\n", 1))
    assert "content/articles/understanding-anxiety.md: mood: is not a field" in refused_update(
        runner, index_dir
    )
    path.write_text(original + "\nSee [this](/articles/no-such-article).\n")
    assert (
        "content/articles/understanding-anxiety.md: body: links to /articles/no-such-article"
    ) in refused_update(runner, index_dir)
    # A second file with the same slug, in a subfolder.
    path.write_text(original)
    (content_dir / "articles" / "old").mkdir()
    (content_dir / "articles" / "old" / "sleep-and-mental-health.md").write_text(
        (content_dir / "articles" / "sleep-and-mental-health.md").read_text()
    )
    assert (
        "content/articles/old/sleep-and-mental-health.md: duplicate slug "
        "'sleep-and-mental-health', already used by content/articles/sleep-and-mental-health.md"
    ) in refused_update(runner, index_dir)


def did_you_mean(client, words: str) -> str | None:
    """Return the word a misspelt search is corrected to ("Showing results for"), or None."""
    html = client.get("/search", query_string={"q": words}).get_data(True)
    found = re.search(r"Showing results for <a [^>]*><em>([^<]*)</em></a>", html)
    return found and found.group(1)


def test_update_forgets_the_words_of_a_removed_article(runner, client, content_dir):
    # "bewildering" is in this article alone.
    assert did_you_mean(client, "bewilderimg") == "bewildering"
    (content_dir / "articles" / "living-with-grief.md").unlink()
    drop_links_to(content_dir, "living-with-grief")
    assert runner.invoke(args=["index", "update"]).exit_code == 0
    assert client.get("/articles/living-with-grief").status_code == 404
    assert did_you_mean(client, "bewilderimg") != "bewildering"


def test_update_offers_and_completes_a_newly_written_word(runner, client, content_dir):
    assert did_you_mean(client, "zanzibarqill") is None
    path = content_dir / "articles" / "the-therapeutic-relationship.md"
    path.write_text(path.read_text() + "\nA word: zanzibarquill.\n")
    assert runner.invoke(args=["index", "update"]).exit_code == 0
    assert did_you_mean(client, "zanzibarqill") == "zanzibarquill"
    # As the visitor types it, before the word is whole.
    assert "The therapeutic relationship" in client.get("/search?q=zanzib").get_data(True)


def test_status_reports_documents_and_whether_content_changed(runner, content_dir):
    result = runner.invoke(args=["index", "status"])
    assert result.exit_code == 0
    assert "Documents:  17" in result.output and "unchanged since this build" in result.output
    (content_dir / "articles" / "living-with-grief.md").unlink()
    assert "changed since this build" in runner.invoke(args=["index", "status"]).output


def test_status_without_an_index_says_what_to_do(app, runner, index_dir):
    for child in index_dir.iterdir():
        if child.name == "CURRENT":
            child.unlink()
    result = runner.invoke(args=["index", "status"])
    assert result.exit_code != 0 and "index rebuild" in result.output


def test_content_check_passes_on_sample_and_fails_naming_file_and_field(runner, content_dir):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 17 articles, 1 draft, 2 authors and 5 pages: 0 problems." in result.output
    (content_dir / "articles" / "missing-title.md").write_bytes(
        (FIXTURES / "missing_title.md").read_bytes()
    )
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "content/articles/missing-title.md: title: is required" in result.output


def test_content_check_renders_only_what_the_live_index_does_not_hold(
    runner, content_dir, monkeypatch
):
    # At 10,000 articles rendering every one took a check 50 s; unchanged files are taken
    # from the live index instead, which was built from these very files.
    from webapp import content

    rendered = []
    render = content.render_markdown
    monkeypatch.setattr(
        content, "render_markdown", lambda text: rendered.append(text) or render(text)
    )
    authors = 2  # the two authors' bios: few, and always read
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0 and "Checked 17 articles" in result.output
    assert len(rendered) == authors
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(path.read_text() + "\nSee [this](/articles/no-such-article).\n")
    rendered.clear()
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1 and len(rendered) == authors + 1
    assert "understanding-anxiety.md: body: links to /articles/no-such-article" in result.output


def test_content_check_finds_broken_internal_links(runner, content_dir):
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(path.read_text() + "\nSee [this](/articles/no-such-article).\n")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "links to /articles/no-such-article" in result.output


def test_content_new_scaffolds_a_draft_and_refuses_to_overwrite(runner, content_dir):
    result = runner.invoke(args=["content", "new", "Finding calm"])
    assert result.exit_code == 0
    text = (content_dir / "articles" / "finding-calm.md").read_text()
    assert "title: Finding calm" in text and "draft: true" in text
    again = runner.invoke(args=["content", "new", "Finding calm"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_content_new_with_a_very_long_title_makes_a_short_address(runner, content_dir):
    # 500 characters once crashed with "OSError: File name too long".
    title = " ".join(["Finding calm when everything feels like too much"] * 11)
    assert len(title) > 500
    result = runner.invoke(args=["content", "new", title])
    assert result.exit_code == 0, result.output
    (path,) = (content_dir / "articles").glob("finding-calm-*.md")
    slug = path.stem
    assert len(slug) <= 80
    # Cut where a word ends, not in the middle of one.
    full = "-".join(["finding-calm-when-everything-feels-like-too-much"] * 11)
    assert full.startswith(slug + "-")
    # The title is kept whole, and the article is valid once it is no longer a draft.
    path.write_text(path.read_text().replace("draft: true\n", "").replace("[]", "[calm]", 1))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 18 articles" in result.output
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    html = runner.app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    assert title in html


class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, handle):
        self._handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()

    def write(self, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_content_new_on_a_full_disk_says_so_in_one_sentence(runner, content_dir, monkeypatch):
    real_open = Path.open

    def open_on_a_full_disk(self, mode="r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        return _FullDisk(handle) if "x" in mode else handle

    monkeypatch.setattr(Path, "open", open_on_a_full_disk)
    result = runner.invoke(args=["content", "new", "Finding calm"])
    monkeypatch.undo()
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    path = content_dir / "articles" / "finding-calm.md"
    assert result.output == (
        f"Error: could not create {path} (No space left on device): make sure the content "
        "folder is writable and its disk has space, then try again.\n"
    )
    assert not path.exists()  # nothing half-written is left


def test_content_new_in_a_read_only_folder_says_so_in_one_sentence(runner, content_dir):
    from .test_index_faults import read_only

    with read_only(content_dir) as attempts:
        result = runner.invoke(args=["content", "new", "Finding calm"])
    assert attempts  # it tried, and was refused as on a read-only mount
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    path = content_dir / "articles" / "finding-calm.md"
    assert result.output == (
        f"Error: could not create {path} (Read-only file system (test)): make sure the content "
        "folder is writable and its disk has space, then try again.\n"
    )
    assert not path.exists()


def _cli(content_dir: Path, index_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir), "FLASK_INDEX_DIR": str(index_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_rebuilds_at_once_never_corrupt_the_index(content_dir, index_dir):
    first = _cli(content_dir, index_dir, "index", "rebuild")
    second = _cli(content_dir, index_dir, "index", "rebuild")
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    codes = [first.returncode, second.returncode]
    assert 0 in codes, outputs
    for code, output in zip(codes, outputs, strict=True):
        # Either it built, or it said clearly that another build was running.
        assert code == 0 or "another index build is running" in output, output
    snapshot = index.load_snapshot(index_dir)
    try:
        assert snapshot.search.doc_count() == 17
    finally:
        snapshot.close()
    assert not list(index_dir.glob(".building-*"))


def test_searches_keep_answering_while_the_index_is_rebuilt(client, content_dir, index_dir):
    import threading

    generations = set()
    done = threading.Event()

    def rebuild_three_times():
        try:
            for _ in range(3):
                index.rebuild(content_dir, index_dir)
        finally:
            done.set()

    builder = threading.Thread(target=rebuild_three_times)
    builder.start()
    statuses = []
    while not done.is_set() or not statuses:
        response = client.get("/search?q=relat", headers={"HX-Request": "true"})
        statuses.append(response.status_code)
        assert "The therapeutic relationship" in response.get_data(as_text=True)
        generations.add(client.get("/healthz").get_json()["generation"])
    builder.join()
    generations.add(client.get("/healthz").get_json()["generation"])
    assert set(statuses) == {200}
    assert len(generations) >= 2  # the server switched to new generations while answering


def test_status_fails_on_a_damaged_index_as_serving_would(runner, index_dir):
    # `make run` builds when status fails; a damaged index must count as none.
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    (generation / "library" / "meta.pickle").write_bytes(b"\x80\x05garbage")
    result = runner.invoke(args=["index", "status"])
    assert result.exit_code == 1
    assert "damaged" in result.output and "index rebuild" in result.output
    assert "Traceback" not in result.output
