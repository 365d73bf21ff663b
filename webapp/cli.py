"""Maintainer commands: `flask --app wsgi index …` and `flask --app wsgi content …`."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
import tempfile
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from webapp import preview
from webapp.authoring.reader import scaffold_article
from webapp.building import advice, pipeline, prerender
from webapp.config import SettingsError, load_site_settings
from webapp.generation.folder import IndexProblem, current_generation
from webapp.generation.snapshot import load_snapshot
from webapp.model import Advice, Library
from webapp.search import crisis, synonyms
from webapp.web import theme
from webapp.web.app import site_app

index_cli = AppGroup("index", help="Build and inspect the search index.")
content_cli = AppGroup("content", help="Check and create content.")


def _dirs() -> tuple[Path, Path]:
    return Path(current_app.config["CONTENT_DIR"]), Path(current_app.config["INDEX_DIR"])


@index_cli.command("rebuild")
def rebuild_command() -> None:
    """Build the whole index beside the live one, then swap it in."""
    content_dir, index_dir = _dirs()
    # With no index yet a refusal would keep nothing serving: the first build serves what
    # it can and names what it left out.
    first = current_generation(index_dir) is None
    bars = _StageBars()
    try:
        report = pipeline.rebuild(content_dir, index_dir, progress=bars, allow_problems=first)
    except IndexProblem as problem:
        raise click.ClickException(str(problem)) from None
    except OSError as error:  # a full disk or a read-only folder: the build cleaned up
        raise _not_built(error, "rebuild", content_dir, index_dir) from None
    finally:
        bars.close()
    for problem in report.problems:
        click.echo(problem, err=True)
    click.echo(
        f"Indexed {_count(report.documents, 'article')} in {report.seconds:.1f} s, "
        f"{_count(len(report.problems), 'problem')}. Now serving {report.generation}."
    )
    click.echo(_phases(report.phases, 1))
    if report.problems:
        click.echo(
            f"The first build left out {_count(len(report.problems), 'file')} with problems "
            "(listed above): fix them, then run 'flask --app wsgi index update'."
        )
    _prerender()


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def _not_built(
    error: OSError, command: str, content_dir: Path, index_dir: Path
) -> click.ClickException:
    """Say in one sentence why a build failed on a file and what to do: no traceback (the
    build has already removed what it had written)."""
    name = os.path.abspath(os.fsdecode(error.filename)) if error.filename else ""
    if name.startswith(os.path.join(os.path.abspath(content_dir), "")):
        what, fix = f"could not read {name} ({error.strerror})", "make that file readable"
    elif error.errno in _DISK_FULL:
        what, fix = f"the disk holding {index_dir} is full", "free some space"
    elif error.errno in _READ_ONLY:
        what = f"{index_dir} cannot be written ({error.strerror})"
        fix = "run the command as a user who can write there, or on a writable disk"
    else:
        what, fix = f"writing to {index_dir} failed ({error.strerror or error})", "fix that"
    done = {"rebuild": "rebuilt", "update": "updated"}[command]
    if current_generation(index_dir) is not None:
        done += " and the old one is still serving"
    return click.ClickException(
        f"{what}, so the index was not {done}: {fix}, then run 'index {command}' again."
    )


class _StageBars:
    """A progress bar for each stage of a build, on stderr (stdout keeps the summary): on a
    large library each stage takes long enough to look hung without one."""

    def __init__(self):
        self._stage: str | None = None
        self._bar = None
        self._shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._shown = stage, 0
            # click.get_text_stream is deprecated in Click 8.5: sys.stderr it is.
            self._bar = click.progressbar(
                length=max(total, 1),
                label=stage,
                file=sys.stderr,
                update_min_steps=max(1, total // 100),  # redrawn a hundred times at most
            )
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        """Finish the current stage's bar, if any."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@index_cli.command("update")
def update_command() -> None:
    """Re-index only the articles added, changed or removed since the last build."""
    content_dir, index_dir = _dirs()
    try:
        report = pipeline.update(content_dir, index_dir)
    except IndexProblem as problem:
        raise click.ClickException(str(problem)) from None
    except OSError as error:
        raise _not_built(error, "update", content_dir, index_dir) from None
    except Exception as error:  # noqa: BLE001 - an article that no longer validates, say
        raise click.ClickException(
            f"{error}. The old index is still serving; run 'content check' for details."
        ) from None
    if report.unchanged:
        click.echo(f"Nothing to update: no article changed. Still serving {report.generation}.")
        # Finish what the last build left undone: pre-rendering killed part-way, say.
        missing = prerender.pages_missing(current_app, report.generation)
        if missing:
            click.echo(f"Its pages {missing}: pre-rendering them now.")
            _prerender()
        return
    click.echo(
        f"Updated {_count(report.documents, 'article')} in {report.seconds:.2f} s. "
        f"Now serving {report.generation}."
    )
    click.echo(_phases(report.phases, 2))
    _prerender()


def _phases(phases: dict[str, float], digits: int) -> str:
    """Say how long each phase of a build took, for a maintainer wondering where it went."""
    return "Phases: " + ", ".join(f"{name} {s:.{digits}f} s" for name, s in phases.items()) + "."


def _prerender() -> None:
    # The new generation already serves; pages it lacks are rendered on request meanwhile,
    # so a failure here is reported but does not fail the command.
    bars = _StageBars()
    try:
        report = prerender.render_pages(
            current_app._get_current_object(),  # noqa: SLF001 - Werkzeug's documented way
            progress=lambda done, total: bars("Pre-rendering pages", done, total),
        )
    except OSError as error:  # a full disk, say
        click.echo(
            f"Pages were not pre-rendered ({error.strerror or error}): they render on request "
            "until 'index update' pre-renders them.",
            err=True,
        )
        return
    except Exception as error:  # noqa: BLE001 - the generation serves; pages render on request
        click.echo(f"Pages were not pre-rendered ({error!r}); they render on request.", err=True)
        return
    finally:
        bars.close()
    if report is not None:
        click.echo(
            f"Pre-rendered {_count(report.rendered, 'page')} ({report.reused} unchanged, copied) "
            f"in {report.seconds:.1f} s."
        )


@index_cli.command("status")
def status_command() -> None:
    """Show the live index: documents, when it was built, whether content changed since."""
    content_dir, index_dir = _dirs()
    try:
        # Opened as a web process would, so "status" fails exactly when serving would.
        snapshot = load_snapshot(index_dir)
    except IndexProblem as problem:
        raise click.ClickException(f"{problem}: run 'flask --app wsgi index rebuild'") from None
    snapshot.close()
    generation, manifest = snapshot.manifest.generation, snapshot.manifest
    if (reason := pipeline.built_by_other_code(manifest)) is not None:
        # Fails, so `make run` and the deploy's index unit rebuild after such a deploy.
        raise click.ClickException(f"{generation}: {reason}: run 'flask --app wsgi index rebuild'")
    changed = pipeline.files_changed_since(content_dir, index_dir)
    click.echo(f"Generation: {generation}")
    click.echo(f"Documents:  {manifest.documents}")
    click.echo(f"Built:      {manifest.built_at} in {manifest.seconds:.1f} s")
    if not changed:
        state = "unchanged since this build"
    elif pipeline.needs_rebuild(changed):
        state = "changed since this build (authors, pages or site settings): run 'index rebuild'"
    else:
        state = "changed since this build: run 'index update'"
    click.echo(f"Content:    {state}")


@content_cli.command("check")
@click.option("--strict", is_flag=True, help="Count warnings as problems: exit 1 on any.")
def check_command(strict: bool) -> None:
    """Validate every content file; exit non-zero if anything is wrong.

    Warnings (safe messaging, near-duplicate tags, overdue reviews) follow the problems;
    they never fail the check unless --strict is given.
    """
    content_dir, index_dir = _dirs()
    library, problems, warnings = _content_findings(content_dir, index_dir)
    for line in [*problems, *map(str, warnings)]:
        click.echo(line, err=True)
    found = _count(len(problems), "problem")
    if warnings:
        found += f", {_count(len(warnings), 'warning')}"
    click.echo(
        f"Checked {_count(len(library.articles), 'article')}, "
        f"{_count(len(library.drafts), 'draft')}, {_count(len(library.authors), 'author')} "
        f"and {_count(len(library.pages), 'page')}: {found}."
    )
    if strict and warnings and not problems:
        click.echo("With --strict, warnings fail the check: reword or fix them.", err=True)
    if problems or (strict and warnings):
        raise SystemExit(1)


def _content_findings(
    content_dir: Path, index_dir: Path
) -> tuple[Library, list[str], list[Advice]]:
    """Return the content as a build reads it, its problems, and the warnings about it."""
    library, problems = _content_problems(content_dir, index_dir)
    return library, problems, advice.find_warnings(content_dir, library)


def _content_problems(content_dir: Path, index_dir: Path) -> tuple[Library, list[str]]:
    """Return the content as a build reads it, and every problem `content check` reports."""
    library = pipeline.read_content(content_dir, index_dir)
    problems = [str(problem) for problem in library.problems]
    problems += synonyms.problems(content_dir) + advice.problems(content_dir)
    try:
        settings = load_site_settings(content_dir)
    except SettingsError as error:
        return library, [*problems, str(error)]
    problems += theme.problems(settings, content_dir)
    problems += [f"site.yml: {found}" for found in crisis.settings_problems(settings["crisis"])]
    return library, problems


@content_cli.command("preview")
def preview_command() -> None:
    """Serve the site with its drafts on 127.0.0.1, updated as content files are saved.

    The published index is never touched: the preview builds its own in a temporary folder
    and removes it on exit. PORT chooses the port (5001 by default, beside `make run`).
    """
    content_dir, _ = _dirs()
    port = int(os.environ.get("PORT", "5001"))
    with tempfile.TemporaryDirectory(prefix="preview-index-") as folder:
        watched = preview.Preview(
            content_dir,
            Path(folder),
            lambda c, i: _content_findings(c, i)[1:],
            echo=lambda line: click.echo(line, err=True),
        )
        watched.refresh()
        # A second, private site: no CLI of its own.
        app = site_app(
            {
                "CONTENT_DIR": str(content_dir),
                "INDEX_DIR": folder,
                "INDEX_CHECK_INTERVAL": 0,  # each save makes a new generation: serve it at once
                "PAGE_CACHE_BYTES": 0,
                "PAGE_MAX_AGE": 0,
            }
        )
        preview.init_app(app, watched)
        stop = threading.Event()
        watcher = threading.Thread(target=watched.watch, args=(stop,), daemon=True)
        watcher.start()
        click.echo(f"Previewing {content_dir}, drafts included, at http://127.0.0.1:{port}")
        try:
            # Werkzeug's server directly: Flask ignores `app.run` inside a `flask` command.
            run_simple("127.0.0.1", port, app, threaded=True)
        finally:
            stop.set()
            watcher.join(timeout=5)


@content_cli.command("new")
@click.argument("title")
@click.option("--author", help="Slug of the author, from content/authors/.")
def new_command(title: str, author: str | None) -> None:
    """Create a draft article called TITLE with its front matter filled in."""
    content_dir, _ = _dirs()
    slug, text = scaffold_article(title, dt.date.today(), author)
    path = content_dir / "articles" / f"{slug}.md"
    created = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            created = True
            handle.write(text)
    except FileExistsError:
        raise click.ClickException(f"{path} already exists: choose another title") from None
    except OSError as error:  # a full disk or a read-only folder
        if created:
            path.unlink(missing_ok=True)  # no half-written article is left behind
        raise click.ClickException(
            f"could not create {path} ({error.strerror or error}): make sure the content folder "
            "is writable and its disk has space, then try again."
        ) from None
    click.echo(f"Created {path}. It is a draft until you remove 'draft: true'.")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(index_cli)
    app.cli.add_command(content_cli)


def _count(number: int, noun: str) -> str:
    """Return "1 article", "2 articles": the words a maintainer reads in a summary."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
