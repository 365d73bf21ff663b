"""Build a generation from `content/`: `index rebuild`, `index update`, and reading content
the way both do (unchanged files reused from the live generation).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from webapp.authoring import pages
from webapp.authoring.reader import (
    RENDER_VERSION,
    link_problems,
    load_library,
    read_changed_articles,
    site_base_url,
)
from webapp.building import safe_messaging
from webapp.building.publish import build_lock, new_generation, write_manifest
from webapp.building.workers import worker_pool
from webapp.config import SITE_SETTINGS_FILE, SettingsError, load_site_settings
from webapp.files import file_stat, fingerprint
from webapp.generation import store
from webapp.generation.folder import (
    FORMAT,
    IndexProblem,
    Manifest,
    current_generation,
    read_manifest,
    verify_checksums,
)
from webapp.model import Article, Library, Problem
from webapp.search import indexing, synonyms
from webapp.search.crisis import support_article_fields
from webapp.search.related import RelatedInput, compute_related, related_input, related_lists

log = logging.getLogger(__name__)


# The stages of a rebuild, as `progress(stage, done, total)` names them.
READING = "Reading articles"


INDEXING = "Indexing articles"


RELATING = "Finding related articles"


Progress = Callable[[str, int, int], None]

# The phases a build reports the time of (`BuildReport.phases`), as the CLI names them.
READING_PHASE = "reading"
INDEXING_PHASE = "indexing"
RELATING_PHASE = "related articles"
STORING_PHASE = "storing"


@dataclass
class BuildReport:
    """What a build did, for the CLI's summary."""

    generation: str
    documents: int
    seconds: float
    problems: list[str]
    unchanged: bool = False  # nothing had changed, so no new generation was built
    phases: dict[str, float] = field(default_factory=dict)  # seconds, in the order run


class _Stopwatch:
    """The seconds each phase of a build takes, each phase timed from the end of the last."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._since = time.perf_counter()

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._since
        self._since = now


def content_fingerprints(content_dir: Path, known: Manifest | None = None) -> dict[str, str]:
    """Return a hash of every content file, keyed by its path relative to `content_dir`.

    With `known` (an earlier manifest), a file whose stat (size, times, inode; see
    `files.file_stat`) is the one recorded there keeps its recorded hash instead of being
    read again.
    """
    return _fingerprints(content_dir, known)[0]


SETTLED_NS = 2_000_000_000  # how long ago a file last changed for its stat to be trusted


def _fingerprints(
    content_dir: Path, known: Manifest | None = None
) -> tuple[dict[str, str], dict[str, list[int]]]:
    prints: dict[str, str] = {}
    stats: dict[str, list[int]] = {}
    # A file changed within a second of being hashed might change again with the same time
    # stamp and size: its stat is not recorded, so it is always read (git's "racy" rule).
    settled = time.time_ns() - SETTLED_NS
    old_prints = known.fingerprints if known else {}
    old_stats = known.stats if known else {}
    prefix = len(os.path.join(str(content_dir), ""))
    for folder, dirs, files in os.walk(content_dir):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1] not in {".md", ".yml", ".yaml"}:
                continue
            path = os.path.join(folder, name)
            relative = path[prefix:]
            if relative in (synonyms.FILE, safe_messaging.FILE):
                continue  # read at query time, or only by `content check`: not built
            stat = file_stat(path)
            if old_stats.get(relative) == stat and relative in old_prints:
                prints[relative] = old_prints[relative]
            else:
                # Never reads a file too large, a pipe or a device, or a link out of content.
                prints[relative] = fingerprint(path, content_dir)
            if max(stat[1], stat[2]) < settled:
                stats[relative] = stat
    return dict(sorted(prints.items())), stats


def rebuild(
    content_dir: Path,
    index_dir: Path,
    *,
    allow_problems: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build a whole new generation from `content_dir` and make it live.

    With problems in the content, refuse (leaving the live generation serving) unless
    `allow_problems`, which the first start-up uses so a fresh site serves what it can.
    `progress` is told how each stage (READING, INDEXING, RELATING) is getting on.
    """
    started = time.perf_counter()
    clock = _Stopwatch()
    tell = progress or (lambda *_: None)
    with build_lock(index_dir), worker_pool(content_dir, index_dir) as (pool, workers):
        fingerprints, stats = _fingerprints(content_dir)
        known = _unchanged_articles(index_dir, content_dir, fingerprints)
        library = load_library(
            content_dir,
            executor=pool,
            workers=workers,
            known=known,
            progress=lambda done, total: tell(READING, done, total),
        )
        _add_pages(library, content_dir)
        library.problems += crisis_article_problems(content_dir, library.articles)
        problems = [str(p) for p in library.problems]
        if problems and not allow_problems:
            raise IndexProblem(
                "content has problems, so the index was not rebuilt and the old one is still "
                "serving:\n  " + "\n  ".join(problems)
            )
        indexed = 0
        clock.done(READING_PHASE)

        def step(done: int) -> None:
            nonlocal indexed
            indexed += done
            tell(INDEXING, indexed, len(library.articles))

        with new_generation(index_dir) as (folder, name):
            tell(INDEXING, 0, len(library.articles))
            documents = indexing.build_index(
                folder / "whoosh",
                library.articles.values(),
                progress=step,
                executor=pool,
                workers=workers,
                pages=library.pages.values(),
            )
            clock.done(INDEXING_PHASE)
            tell(RELATING, 0, len(library.articles))
            related = compute_related(
                folder / "whoosh",
                library.articles,
                executor=pool,
                workers=workers,
                progress=lambda done, total: tell(RELATING, done, total),
            )
            clock.done(RELATING_PHASE)
            seconds = time.perf_counter() - started
            _write_snapshot(folder, name, library, related, fingerprints, seconds, problems, stats)
        clock.done(STORING_PHASE)
        return BuildReport(name, documents, time.perf_counter() - started, problems,
                           phases=clock.phases)  # fmt: skip


def read_content(content_dir: Path, index_dir: Path) -> Library:
    """Read and check every content file as a rebuild would (what `content check` runs).

    Articles whose files are byte for byte those of the live generation are taken from it
    rather than rendered again, and the rest are rendered a process per core: a check that
    rendered every article in one process was slow on a large library.
    """
    fingerprints, _ = _fingerprints(content_dir)
    known = _unchanged_articles(index_dir, content_dir, fingerprints)
    with worker_pool(content_dir) as (pool, workers):
        library = load_library(content_dir, executor=pool, workers=workers, known=known)
    _add_pages(library, content_dir)
    library.problems += crisis_article_problems(content_dir, library.articles)
    return library


def crisis_article_problems(content_dir: Path, public: Container[str]) -> list[Problem]:
    """Return a problem for each article site.yml's crisis panel leads with that is not
    among the `public` ones: a build must not quietly drop support from crisis searches.
    (A site.yml that cannot be read is reported where settings load.)"""
    try:
        crisis = load_site_settings(content_dir)["crisis"]
    except SettingsError:
        return []
    return [
        Problem(SITE_SETTINGS_FILE, field,
                f"no published article '{slug}': publish it, or name another", skipped=False)
        for field, slug in support_article_fields(crisis)
        if slug not in public
    ]  # fmt: skip


def _add_pages(library: Library, content_dir: Path) -> None:
    """Read the practice's pages into the library, with their problems and broken links."""
    library.pages, problems = pages.load_pages(content_dir)
    library.problems += problems
    library.problems += link_problems(
        library.pages.values(), library.articles, site_base_url(content_dir)
    )


def _unchanged_articles(
    index_dir: Path, content_dir: Path, fingerprints: dict[str, str]
) -> dict[str, Article]:
    """Return the live generation's Articles whose files are byte for byte the same now.

    Rendering Markdown is most of a rebuild's work; an Article depends only on its file's
    bytes and the renderer (content.RENDER_VERSION), so those are reused, not re-rendered.
    Anything unreadable just means rendering everything.
    """
    generation = current_generation(index_dir)
    if generation is None:
        return {}
    try:
        manifest = read_manifest(index_dir, generation)
        if manifest.format != FORMAT or manifest.render_version != RENDER_VERSION:
            return {}
        library, _ = store.read(index_dir / generation)
    except Exception:  # noqa: BLE001 - a damaged old generation is simply not reused
        return {}
    known = {}
    for article in [*library.articles.values(), *library.drafts.values()]:
        source = Path(article.source)
        if source.parts[0] != content_dir.name:  # sources name the content folder
            continue
        relative = str(source.relative_to(source.parts[0]))
        if relative in fingerprints and fingerprints[relative] == manifest.fingerprints.get(
            relative
        ):
            known[relative] = article
    return known


def update(content_dir: Path, index_dir: Path) -> BuildReport:
    """Re-index only added, changed and removed articles into a new generation (none when
    nothing changed: the report then says so and names the live generation)."""
    started = time.perf_counter()
    clock = _Stopwatch()
    with build_lock(index_dir):
        generation = current_generation(index_dir)
        if generation is None:
            raise IndexProblem(f"{index_dir}: no index yet: run 'index rebuild' first")
        old = read_manifest(index_dir, generation)
        if (reason := built_by_other_code(old)) is not None:
            raise IndexProblem(f"{reason}: run 'index rebuild'")
        fingerprints, stats = _fingerprints(content_dir, old)
        changed_files = {p for p, h in fingerprints.items() if old.fingerprints.get(p) != h}
        removed_files = set(old.fingerprints) - set(fingerprints)
        if not changed_files and not removed_files:
            # Nothing to do: a new generation would only make every server reload its index
            # and drop its cached pages.
            return BuildReport(generation, 0, time.perf_counter() - started, [], unchanged=True)
        if needs_rebuild(changed_files | removed_files):
            # Authors, pages or site settings changed: every page may differ, so build it all.
            raise IndexProblem(
                "authors, pages or site settings changed: run 'index rebuild' instead"
            )
        live = index_dir / generation
        verify_checksums(live, old)
        meta = store.read_meta(live)
        # As a rebuild reads them: Markdown files under articles/.
        article_files = [p for p in fingerprints if p.startswith("articles/") and p.endswith(".md")]
        read, problems = read_changed_articles(
            content_dir, changed_files.intersection(article_files), article_files, meta.authors
        )
        removed = {Path(relative).stem for relative in removed_files}
        removed.update(article.slug for article in read)  # replaced or hidden as a draft
        changed = [article for article in read if not article.draft]
        public = {s for s in meta.order if s not in removed} | {a.slug for a in changed}
        base_url = site_base_url(content_dir)
        problems += link_problems(read, public, base_url)
        problems += crisis_article_problems(content_dir, public)
        if any(slug not in public for slug in meta.order):
            # An article deleted or made a draft: links to it from the others would break.
            # Rare enough to be worth reading every other article for, slow as that is at scale.
            kept = [s for s in meta.order if s not in removed]
            drafts = [d for s, d in meta.drafts.items() if s not in removed]
            others = [*store.read_articles(live, kept).values(), *drafts, *meta.pages.values(),
                      *meta.authors.values()]  # fmt: skip
            problems += link_problems(others, public, base_url)
        if problems:
            raise IndexProblem(
                "content has problems, so the index was not updated and the old one is still "
                "serving:\n  " + "\n  ".join(map(str, problems))
            )
        clock.done(READING_PHASE)
        with new_generation(index_dir, copy_from=live) as (folder, name):
            indexing.update_index(folder / "whoosh", changed, removed)
            clock.done(INDEXING_PHASE)
            touched = {a.slug for a in changed} | removed
            related = {s: rel for s, rel in meta.related.items() if s not in removed}
            stale = {s for s, rel in related.items() if touched & {other for other, _ in rel}}
            # An article whose links changed changes the "links here" of the articles it
            # linked to, before and after.
            for item in changed:
                before = meta.light.get(item.slug, ((), 0, ()))[2]
                stale |= set(before) ^ set(store.light(item)[2])
            redo = sorted((stale | touched) & public)
            # Related scoring needs every article's topics, date and links, and the text of
            # those being redone and of the articles close to them in wording: the unchanged
            # ones are read from their chunks.
            inputs = {s: RelatedInput("", t, d, links)
                      for s, (t, d, links) in meta.light.items() if s not in removed}  # fmt: skip
            texts = {a.slug: a for a in changed}
            texts.update(store.read_articles(live, [s for s in redo if s not in texts]))
            inputs.update((s, related_input(a)) for s, a in texts.items())
            redone = related_lists(
                folder / "whoosh",
                inputs,
                redo,
                more_texts=lambda slugs: {
                    s: related_input(a) for s, a in store.read_articles(live, slugs).items()
                },
                # Only articles new to the public site: an edit changes few other lists,
                # and scoring every close article's list again at each edit costs time.
                newcomers=[a.slug for a in changed if a.slug not in meta.light],
            )
            related.update((s, store.pairs(items)) for s, items in redone.items())
            clock.done(RELATING_PHASE)
            seconds = time.perf_counter() - started
            drafts = [article for article in read if article.draft]
            store.write_update(folder, live, meta, changed, removed, related, drafts)
            write_manifest(folder, name, len(public), fingerprints, seconds, [], stats, (live, old))
        clock.done(STORING_PHASE)
        return BuildReport(name, len(touched), time.perf_counter() - started, [],
                           phases=clock.phases)  # fmt: skip


def built_by_other_code(manifest: Manifest) -> str | None:
    """Say why a generation must be rebuilt before it can be updated: its layout or its
    articles' rendering come from another version of the code (None when neither)."""
    if manifest.format != FORMAT:
        return "the index was built by an older version"
    if manifest.render_version != RENDER_VERSION:
        return "the articles were rendered by another version of the site's code"
    return None


def files_changed_since(content_dir: Path, index_dir: Path) -> set[str] | None:
    """Return the content files (relative to `content_dir`) added, changed or removed since
    the live generation was built (None when there is none)."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    manifest = read_manifest(index_dir, generation)
    now = content_fingerprints(content_dir, manifest)
    before = manifest.fingerprints
    return {path for path in now.keys() | before.keys() if now.get(path) != before.get(path)}


def needs_rebuild(paths: Iterable[str]) -> bool:
    """Say whether changes to these content files take `index rebuild`, not an update:
    authors, pages or site settings, which every page may show."""
    return any(not path.startswith("articles/") for path in paths)


def _write_snapshot(
    folder, name, library, related, fingerprints, seconds, problems, stats=None
) -> Manifest:
    store.write(folder, library, related)
    return write_manifest(
        folder, name, len(library.articles), fingerprints, seconds, problems, stats
    )
