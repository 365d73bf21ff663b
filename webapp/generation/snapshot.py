"""One generation opened for serving: its search index, library, related lists and settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webapp.generation import store
from webapp.generation.folder import (
    FORMAT,
    IndexProblem,
    Manifest,
    current_generation,
    read_manifest,
    verify_checksums,
    why_no_generation,
)
from webapp.model import Library
from webapp.search import engine


@dataclass
class Snapshot:
    """One generation loaded for serving: content, related lists and the search index."""

    manifest: Manifest
    library: Library
    related: dict[str, list[str]]
    search: engine.SearchIndex

    def close(self) -> None:
        """Release the generation's search files."""
        self.search.close()


def load_snapshot(index_dir: Path, generation: str | None = None) -> Snapshot:
    """Open the live generation (or the one named) for serving; raise IndexProblem if it is
    missing or damaged."""
    generation = generation or current_generation(index_dir)
    if generation is None:
        raise IndexProblem(why_no_generation(index_dir))
    manifest = read_manifest(index_dir, generation)
    if manifest.format != FORMAT:
        raise IndexProblem(f"{index_dir / generation}: built by an older version of the site")
    folder = index_dir / generation
    library, related = _read_content(folder, manifest)
    try:
        searcher = engine.SearchIndex(folder / "whoosh")
    except Exception as error:  # noqa: BLE001 - any damage to the files means "rebuild", not a crash
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None
    return Snapshot(manifest, library, related, searcher)


def _read_content(folder: Path, manifest: Manifest) -> tuple[Library, dict[str, list[str]]]:
    """Check every file of a generation against its manifest, then load its content for
    serving (without the articles' plain text, which only indexing reads)."""
    verify_checksums(folder, manifest)
    try:
        return store.read(folder, with_text=False)
    except Exception as error:  # noqa: BLE001 - damaged files: "rebuild", not a crash
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None
