"""Read the maintainers' files guardedly and quote what they hold safely.

Every content, settings and word-list file is read here: only regular files inside
`content/`, each capped in size, YAML without aliases or deep nesting. A bad value is
quoted short and with control characters escaped, so a message can never hide or move text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import reprlib
import stat
from pathlib import Path
from typing import Any

import yaml

# The most bytes one content file may hold: a long article is a few tens of kilobytes, and
# every file is read whole (and an article rendered and indexed) by each build and check,
# so one huge file would make every check slow and memory-hungry. Larger files are refused,
# unread.
MAX_FILE_BYTES = 1_000_000


# How deeply YAML lists and mappings may nest ("[[[…" counts each bracket). Front matter
# and site.yml need four or five levels; libyaml takes quadratic time over deep nesting and
# crashes the process outright when it is deep enough.
MAX_YAML_DEPTH = 20


# How many characters of a bad value a message quotes.
EXCERPT_CHARS = 60


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in


class YAMLRefused(yaml.MarkedYAMLError):
    """YAML that parses, but that we will not load: an alias, or nesting too deep."""


def load_yaml(text: str, loader: type = SafeLoader) -> Any:
    """Return the data of a YAML text, loaded safely and within bounds.

    Refused (with yaml.YAMLError carrying a `problem` and its `problem_mark`, whose `line`
    counts from 0):
    - aliases (`*name`, and so `<<: *name` merges): an alias repeats an anchored value
      without repeating its text, so a few hundred bytes can stand for hundreds of millions
      of strings (the "billion laughs"), and even quoting one in an error message exhausts
      memory. Nothing we read needs them.
    - lists and mappings nested more than MAX_YAML_DEPTH deep: libyaml takes quadratic time
      over deep nesting and crashes the process when it is deep enough.
    A first pass over the parser's events finds either before anything is built; it stops
    at the first, having read little more than the text up to it.
    """
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise YAMLRefused(problem=_ALIAS_PROBLEM, problem_mark=event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise YAMLRefused(
                    problem=f"lists or mappings nest more than {MAX_YAML_DEPTH} deep",
                    problem_mark=event.start_mark,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader or a subclass


_ALIAS_PROBLEM = (
    "'*' repeats a value marked with '&' (an alias), which is not allowed: "
    "write the value out in full"
)


class ContentError(Exception):
    """A problem found while reading one file; carries what `Problem` needs."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def read_file(path: Path | str, content_dir: Path, limit: int | None = None) -> bytes:
    """Return the bytes of one file in `content_dir`; raise ContentError (no field) instead
    when it may not be read: it is not a regular file (a folder, a named pipe, a device), it
    is a link to somewhere outside `content_dir` or to nothing, or it holds more than `limit`
    bytes (MAX_FILE_BYTES by default). All of that is checked before a byte is read, so a
    link to /dev/zero or a huge file costs nothing, and a named pipe never hangs a build.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    root = os.path.realpath(content_dir)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise ContentError(
            None,
            f"is a link to {excerpt(real)}, outside the content folder: only files inside "
            "it are read; copy the file in instead",
        )
    try:
        _check_kind(os.stat(real), limit)  # before opening: opening a pipe waits for a writer
        # Non-blocking, in case it became a pipe since; no controlling terminal either way.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ContentError(None, "is a link to a file that does not exist") from None
    except OSError as error:
        raise ContentError(None, f"cannot be read: {error.strerror}") from None
    try:
        _check_kind(os.fstat(fd), limit)  # the file opened, whatever the path names now
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise ContentError(None, f"cannot be read: {error.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:  # it grew while being read
        raise ContentError(None, _too_large(size, limit))
    return b"".join(chunks)


def _check_kind(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise ContentError(None, f"is {kind}, not a plain file: only plain files are read")
    if info.st_size > limit:
        raise ContentError(None, _too_large(info.st_size, limit))


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _too_large(size: int, limit: int) -> str:
    return (
        f"is {size:,} bytes, more than the {limit:,} bytes one file may hold: "
        "split it into shorter articles"
    )


def file_stat(path: str | Path) -> list[int]:
    """Return [size, modification time, change time (both in ns), inode] of a content file
    (the link's own, when it is a link to nothing), as builds record it to know whether a
    file changed. The change time and inode catch an edit whose tool keeps the size and sets
    the modification time back (copies that preserve times, reproducible checkouts)."""
    try:
        info = os.stat(path)
    except OSError:
        try:
            info = os.lstat(path)
        except OSError:
            return [-1, 0, 0, 0]
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def fingerprint(path: str | Path, content_dir: Path) -> str:
    """Return the sha256 of a content file's bytes, read as `read_file` reads them; for a
    file it refuses, a marker saying so (which differs from any hash, so a build that
    compares fingerprints reads the file, and `read_file` names the problem)."""
    try:
        return hashlib.sha256(read_file(path, content_dir)).hexdigest()
    except ContentError as error:
        return f"refused: {error.message}"


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """Return at most `limit` characters of a value for a message, control characters
    escaped; a list or mapping is named by its kind, never turned into text whole."""
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if not isinstance(value, str | int | float | dt.date | None):
        return f"a {type(value).__name__}"
    text = str(value) if not isinstance(value, bool) else str(value).lower()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return printable(text)


def short_repr(value: Any) -> str:
    """Return repr(value) cut short (at most a few items of a list, EXCERPT_CHARS of a
    text), with anything not printable escaped."""
    return printable(_SHORT_REPR.repr(value))


_SHORT_REPR = reprlib.Repr()


_SHORT_REPR.maxstring = _SHORT_REPR.maxother = EXCERPT_CHARS


_SHORT_REPR.maxlevel, _SHORT_REPR.maxlist, _SHORT_REPR.maxdict = 2, 4, 4


def quoted(value: Any) -> str:
    """Return a value as a message quotes it: 'text' in quotes, or the kind of a list."""
    shown = excerpt(value)
    return shown if isinstance(value, list | tuple | dict) else f"'{shown}'"


def printable(text: str) -> str:
    """Return text with every character that is not printable (control characters, bidi
    overrides and isolates, zero-width marks, line separators) written as an escape,
    e.g. \\u202e, so that a file name can neither hide text nor move it on a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
