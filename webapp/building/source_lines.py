"""Content files' own lines, read once each, so a writer's warning can name the line and
the field it is about.
"""

from __future__ import annotations

import re
from pathlib import Path

_KEY = re.compile(r"([A-Za-z_][\w-]*)\s*:(.*)")


class Sources:
    """The text of content files, read once each and only when a warning needs it."""

    def __init__(self, content_dir: Path):
        self._root = content_dir.parent  # an Article's `source` starts with the folder's name
        self._read: dict[str, list[str]] = {}

    def lines(self, source: str) -> list[str]:
        """Return the file's lines (none if it cannot be read)."""
        if source not in self._read:
            try:
                text = (self._root / source).read_text(encoding="utf-8").lstrip("\ufeff")
            except (OSError, UnicodeDecodeError):
                text = ""
            self._read[source] = text.splitlines()
        return self._read[source]

    def key_line(self, source: str, key: str) -> int | None:
        """Return the line of a front matter field, e.g. `reviewed:`."""
        return next((n for n, _ in self._front_matter(source).get(key, [])), None)

    def body(self, source: str) -> list[tuple[int, str]]:
        """Return the body's lines after the front matter, each with its number."""
        lines = self.lines(source)
        start = self._body_start(lines)
        return list(enumerate(lines[start:], start=start + 1))

    def front_matter(self, source: str) -> dict[str, list[tuple[int, str]]]:
        """Return each top-level front matter field's lines, numbered as in the file."""
        return self._front_matter(source)

    def _front_matter(self, source: str) -> dict[str, list[tuple[int, str]]]:
        # Each top-level field's lines: its own line (after the colon) and any indented ones
        # that continue it, numbered as in the file.
        lines = self.lines(source)
        keys: dict[str, list[tuple[int, str]]] = {}
        current: list[tuple[int, str]] = []
        closing = self._body_start(lines) - 1  # the "---" that ends the front matter
        for number, line in enumerate(lines[1:closing] if closing > 0 else [], start=2):
            key = _KEY.fullmatch(line)
            if key:
                current = keys.setdefault(key.group(1), [])
                current.append((number, key.group(2)))
            else:
                current.append((number, line))
        return keys

    @staticmethod
    def _body_start(lines: list[str]) -> int:
        if not lines or lines[0].strip() != "---":
            return 0
        return next((i + 1 for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
