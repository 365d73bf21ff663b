"""Maintainer commands, run as a maintainer would: `flask --app wsgi index …`, `content …`."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.authoring import reader
from webapp.building import pipeline
from webapp.generation.folder import current_generation
from webapp.generation.snapshot import load_snapshot

from .conftest import FIXTURES, ROOT, change_site_settings, drop_links_to

ARTICLE = "content/articles/the-therapeutic-relationship.md"
SAMPLE = ROOT / "content" / "articles"


def test_rebuild_shows_progress_and_a_summary(runner, index_dir):
    before = current_generation(index_dir)
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    # A progress bar for each stage, in order: at 10,000 articles each takes a while.
    stages = ["Reading articles", "Indexing articles", "Finding related articles"]
    assert all(stage in result.output for stage in stages)
    assert sorted(stages, key=result.output.index) == stages
    assert "Indexed 17 articles in" in result.output and "0 problems" in result.output
    after = current_generation(index_dir)
    assert after != before and after in result.output


def test_rebuild_tells_each_stage_in_turn_until_it_is_done(content_dir, tmp_path):
    told: list[tuple[str, int, int]] = []
    pipeline.rebuild(content_dir, tmp_path / "ix", progress=lambda *report: told.append(report))
    stages = [pipeline.READING, pipeline.INDEXING, pipeline.RELATING]
    assert list(dict.fromkeys(stage for stage, _, _ in told)) == stages
    for stage in stages:
        done = [(n, total) for s, n, total in told if s == stage]
        assert done == sorted(done) and done[-1][0] == done[-1][1] > 0
    assert [t for t in told if t[0] == pipeline.READING][-1][1:] == (18, 18)  # the draft too


def test_rebuild_with_bad_content_fails_and_old_index_keeps_serving(
    runner, client, content_dir, index_dir
):
    before = current_generation(index_dir)
    (content_dir / "articles" / "bad-date.md").write_bytes((FIXTURES / "bad_date.md").read_bytes())
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code != 0
    assert "content/articles/bad-date.md: date" in result.output
    assert "old one is still serving" in result.output
    assert current_generation(index_dir) == before
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
    before = current_generation(index_dir)
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    assert f"Nothing to update: no article changed. Still serving {before}." in result.output
    assert current_generation(index_dir) == before


def refused_update(runner, index_dir: Path) -> str:
    """Run `index update`, check it refused and left the live index serving; return its output."""
    before = current_generation(index_dir)
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 1, result.output
    assert "content has problems, so the index was not updated" in result.output
    assert "the old one is still serving" in result.output
    assert current_generation(index_dir) == before
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


def test_after_a_deploy_that_renders_articles_differently_status_fails_and_update_refuses(
    runner, client, content_dir, monkeypatch
):
    # Deployed code that renders Markdown differently: what status exit codes drive
    # (`make run`, the deploy's index unit) must rebuild, and an update must not mix the
    # old rendering with the new.
    from webapp.building import publish

    for module in (pipeline, publish):
        monkeypatch.setattr(module, "RENDER_VERSION", "rendered-anew")
    result = runner.invoke(args=["index", "status"])
    assert result.exit_code != 0
    assert "rendered by another version of the site's code" in result.output
    assert "index rebuild" in result.output
    path = content_dir / "articles" / "living-with-grief.md"
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code != 0 and "index rebuild" in result.output
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["index", "status"]).exit_code == 0
    assert "One more sentence." in client.get("/articles/living-with-grief").get_data(True)


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_still_published(
    runner, client, content_dir, monkeypatch
):
    # A copy that preserves times, or a checkout that sets them to the commit's, can change
    # a file without changing its size or its modification time. (Every file counts as
    # settled, so its recorded stat is trusted rather than the file read again.)
    monkeypatch.setattr(pipeline, "SETTLED_NS", -60_000_000_000)
    path = content_dir / "articles" / "living-with-grief.md"
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    text = path.read_text()
    assert "grief" in text
    path.write_text(text.replace("grief", "GRIEF", 1))
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert "changed since this build" in runner.invoke(args=["index", "status"]).output
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0 and "Updated 1 article" in result.output, result.output
    assert "GRIEF" in client.get("/articles/living-with-grief").get_data(True)


def test_status_asks_for_a_rebuild_when_site_settings_changed_as_an_update_would(
    runner, content_dir
):
    change_site_settings(content_dir, tagline="Other articles about therapy")
    output = runner.invoke(args=["index", "status"]).output
    assert "changed since this build" in output and "run 'index rebuild'" in output
    assert "index rebuild" in runner.invoke(args=["index", "update"]).output


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

    rendered = []
    render = reader.render_markdown
    monkeypatch.setattr(
        reader, "render_markdown", lambda text: rendered.append(text) or render(text)
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


def test_links_in_an_author_s_bio_are_checked_like_an_article_s(
    runner, client, index_dir, content_dir
):
    # The bio shows on the author's page and in the box under each of their articles.
    bio = content_dir / "authors" / "sam-example.md"
    bio.write_text(bio.read_text() + "\nSam also wrote [this](/articles/no-such-article).\n")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert (
        "content/authors/sam-example.md: bio: links to /articles/no-such-article, which does "
        "not exist or is a draft"
    ) in result.output
    assert runner.invoke(args=["index", "rebuild"]).exit_code != 0
    # A link that works until the article it names is removed by an update.
    bio.write_text(bio.read_text().replace("no-such-article", "living-with-grief"))
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    drop_links_to(content_dir, "living-with-grief")
    (content_dir / "articles" / "living-with-grief.md").unlink()
    assert (
        "content/authors/sam-example.md: bio: links to /articles/living-with-grief"
    ) in refused_update(runner, index_dir)
    assert client.get("/articles/living-with-grief").status_code == 200


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


def _cli(content_dir: Path, index_dir: Path, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir), "FLASK_INDEX_DIR": str(index_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
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
    snapshot = load_snapshot(index_dir)
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
                pipeline.rebuild(content_dir, index_dir)
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


def test_an_index_built_by_an_older_version_is_refused_by_name_and_rebuilt(runner, index_dir):
    # Its pickles may name classes that have since moved: it must never be opened.
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["format"] -= 1
    (generation / "manifest.json").write_text(json.dumps(manifest))
    for command in ("status", "update"):
        result = runner.invoke(args=["index", command])
        assert result.exit_code == 1
        assert "older version" in result.output and "index rebuild" in result.output
        assert "Traceback" not in result.output
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["index", "status"]).exit_code == 0


# --- hostile files -----------------------------------------------------------------------

# What one maintainer command may use: a hostile file must give a named error within
# seconds, not eat the machine's memory (a link to /dev/zero did, read whole) or hang (a
# named pipe did, waiting for a writer for ever).
BOUNDED_MEMORY = 1 << 30
BOUNDED_SECONDS = 60


def bounded_cli(content_dir: Path, index_dir: Path, *args: str) -> tuple[int, str]:
    """Run a maintainer command in its own process, with BOUNDED_MEMORY of address space and
    BOUNDED_SECONDS to finish; return its exit code and output (stdout and stderr)."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (BOUNDED_MEMORY, BOUNDED_MEMORY))

    process = _cli(content_dir, index_dir, *args, preexec_fn=limit)
    try:
        output = process.communicate(timeout=BOUNDED_SECONDS)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{' '.join(args)} did not finish in {BOUNDED_SECONDS} s")
    return process.returncode, output


def refused_cleanly(code: int, output: str) -> str:
    """Check a command stopped with exit 1 and a message, no traceback; return the output."""
    assert code == 1, output
    assert "Traceback" not in output and "MemoryError" not in output, output
    return output


def valid_article(title: str = "A piece") -> str:
    return f"---\ntitle: {title}\nsummary: A summary.\ndate: 2026-01-01\n---\n\nSome words.\n"


def _link_to_dev_zero(articles: Path) -> str:
    (articles / "zero.md").symlink_to("/dev/zero")
    return "content/articles/zero.md: is a link to /dev/zero, outside the content folder"


def _link_outside(articles: Path) -> str:
    # A good article, but outside content/: a link must not reach files nobody reviews.
    outside = articles.parent.parent / "elsewhere.md"
    outside.write_text(valid_article())
    (articles / "elsewhere.md").symlink_to(outside)
    return "content/articles/elsewhere.md: is a link to "


def _link_to_nothing(articles: Path) -> str:
    (articles / "gone.md").symlink_to(articles / "no-such-file.md")
    return "content/articles/gone.md: is a link to a file that does not exist"


def _named_pipe(articles: Path) -> str:
    os.mkfifo(articles / "pipe.md")
    return "content/articles/pipe.md: is a named pipe (FIFO), not a plain file"


def _folder(articles: Path) -> str:
    (articles / "folder.md").mkdir()
    return "content/articles/folder.md: is a folder, not a plain file"


def _fifty_megabytes(articles: Path) -> str:
    # Sparse: 50 MB to read, no disk space taken. Refused from its size, never read.
    with (articles / "huge.md").open("w") as handle:
        handle.write(valid_article())
        handle.truncate(50_000_000)
    return (
        "content/articles/huge.md: is 50,000,000 bytes, more than the 1,000,000 bytes one "
        "file may hold: split it into shorter articles (file skipped)"
    )


def _deep_nesting(articles: Path) -> str:
    # 400,000 levels: libyaml crashed the process outright (a segmentation fault).
    depth = 400_000
    front = f"title: T\nsummary: S\ndate: 2026-01-01\nresources: {'[' * depth}{']' * depth}"
    (articles / "deep.md").write_text(f"---\n{front}\n---\nBody.\n")
    return (
        "content/articles/deep.md: front matter: is not valid YAML at line 5: lists or "
        "mappings nest more than 20 deep"
    )


HOSTILE_FILES = [
    _link_to_dev_zero,
    _link_outside,
    _link_to_nothing,
    _named_pipe,
    _folder,
    _fifty_megabytes,
    _deep_nesting,
]


@pytest.mark.parametrize("make", HOSTILE_FILES, ids=lambda make: make.__name__.strip("_"))
def test_content_check_names_a_hostile_file_quickly_without_a_traceback(
    content_dir, index_dir, make
):
    expected = make(content_dir / "articles")
    output = refused_cleanly(*bounded_cli(content_dir, index_dir, "content", "check"))
    assert expected in output
    assert "Checked 17 articles, 1 draft, 2 authors and 5 pages: 1 problem." in output


@pytest.mark.parametrize("make", [_link_to_dev_zero, _named_pipe, _fifty_megabytes])
@pytest.mark.parametrize("command", ["rebuild", "update"])
def test_index_builds_name_a_hostile_file_and_keep_the_old_index(
    content_dir, index_dir, make, command
):
    before = current_generation(index_dir)
    expected = make(content_dir / "articles")
    output = refused_cleanly(*bounded_cli(content_dir, index_dir, "index", command))
    assert expected in output and "the old one is still serving" in output
    assert current_generation(index_dir) == before


@pytest.mark.parametrize("make", [_link_to_dev_zero, _named_pipe, _link_to_nothing])
def test_index_status_reads_no_hostile_file(content_dir, index_dir, make):
    make(content_dir / "articles")
    code, output = bounded_cli(content_dir, index_dir, "index", "status")
    assert code == 0, output
    assert "changed since this build: run 'index update'" in output


def test_a_link_to_a_file_inside_content_is_read(runner, content_dir):
    (content_dir / "shared").mkdir()
    (content_dir / "shared" / "walking.md").write_text(valid_article("Walking"))
    (content_dir / "articles" / "walking.md").symlink_to("../shared/walking.md")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 18 articles" in result.output


def alias_bomb(levels: int = 9) -> list[str]:
    """Return YAML lines anchoring `a0`…`a8`, each nine aliases of the one before: `*a8`
    stands for 9**9 (387 million) strings."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return lines


@pytest.mark.parametrize("field", ["date", "updated", "reviewed", "draft", "quick_exit"])
def test_an_alias_bomb_in_front_matter_is_named_not_expanded(content_dir, index_dir, field):
    front = ["title: T", "summary: S", *alias_bomb(), f"{field}: *a8"]
    if field != "date":
        front.append("date: 2026-01-01")
    (content_dir / "articles" / "bomb.md").write_text("---\n" + "\n".join(front) + "\n---\n")
    expected = (
        "content/articles/bomb.md: front matter: is not valid YAML at line 5: '*' repeats a "
        "value marked with '&' (an alias), which is not allowed: write the value out in full"
    )
    for command in (["content", "check"], ["index", "update"]):
        output = refused_cleanly(*bounded_cli(content_dir, index_dir, *command))
        assert expected in output


def test_an_alias_bomb_in_an_author_file_is_named(content_dir, index_dir):
    front = [*alias_bomb(), "name: *a8"]
    (content_dir / "authors" / "bomb.md").write_text("---\n" + "\n".join(front) + "\n---\n")
    output = refused_cleanly(*bounded_cli(content_dir, index_dir, "content", "check"))
    assert "content/authors/bomb.md: front matter: is not valid YAML at line 3: '*'" in output


def test_an_alias_bomb_in_synonyms_is_named(content_dir, index_dir):
    path = content_dir / "synonyms.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, *alias_bomb(), "grief: *a8", ""]), encoding="utf-8")
    output = refused_cleanly(*bounded_cli(content_dir, index_dir, "content", "check"))
    assert (
        f"synonyms.yml: is not valid YAML at line {len(lines) + 2}: '*' repeats a value"
    ) in output


def test_an_alias_bomb_in_site_settings_is_named_by_every_command(content_dir, index_dir):
    path = content_dir / "site.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    bomb = [*alias_bomb(), "crisis_terms_extra: *a8"]
    path.write_text("\n".join([*lines, *bomb, ""]), encoding="utf-8")
    expected = f"site.yml: is not valid YAML at line {len(lines) + 2}: '*' repeats a value"
    for command in (["content", "check"], ["index", "status"], ["index", "rebuild"]):
        code, output = bounded_cli(content_dir, index_dir, *command)
        assert code == 1 and expected in output, output
        assert "Traceback" not in output


def test_site_settings_as_a_link_to_dev_zero_are_named(content_dir, index_dir):
    (content_dir / "site.yml").unlink()
    (content_dir / "site.yml").symlink_to("/dev/zero")
    code, output = bounded_cli(content_dir, index_dir, "content", "check")
    assert code == 1 and "Traceback" not in output, output
    assert "site.yml: is a link to /dev/zero, outside the content folder" in output


@pytest.mark.parametrize("tag", ["🙂", "!!!"])
def test_content_check_refuses_a_tag_with_no_letters_or_digits(runner, content_dir, tag):
    path = content_dir / "articles" / "no-words.md"
    path.write_text(valid_article().replace("date:", f'tags: [anxiety, "{tag}"]\ndate:'))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert (
        f"content/articles/no-words.md: tags: '{tag}' has no letters or digits to make the "
        "topic's address from"
    ) in result.output


def test_content_check_finds_broken_links_written_with_the_sites_address(runner, content_dir):
    change_site_settings(content_dir, base_url="https://practice.example")
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(
        path.read_text()
        + "\nSee [this](https://practice.example/articles/no-such-article), "
        + "[that](HTTPS://Practice.Example/articles/living-with-grief#start) and "
        + "[elsewhere](https://other.example/articles/no-such-article).\n"
    )
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert (
        "content/articles/understanding-anxiety.md: body: links to "
        "https://practice.example/articles/no-such-article, which does not exist or is a draft"
    ) in result.output
    assert "1 problem." in result.output  # the live article and the other site are fine


def test_index_update_refuses_a_broken_link_written_with_the_sites_address(
    runner, content_dir, index_dir
):
    change_site_settings(content_dir, base_url="https://practice.example/")
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(path.read_text() + "\n[Gone](https://practice.example/articles/gone).\n")
    assert "links to https://practice.example/articles/gone, which" in refused_update(
        runner, index_dir
    )


def test_file_names_with_control_characters_are_printed_escaped(runner, content_dir):
    # A right-to-left override would make the name read differently from what it is; an
    # escape sequence could rewrite the terminal.
    (content_dir / "articles" / "evil\u202egpj.md").write_text(valid_article())
    (content_dir / "articles" / "bell\x07\x1b[2J.md").write_text(valid_article())
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "content/articles/evil\\u202egpj.md: file name 'evil\\u202egpj.md'" in result.output
    assert "content/articles/bell\\x07\\x1b[2J.md" in result.output
    assert not any(c in result.output for c in "\u202e\x07\x1b")
