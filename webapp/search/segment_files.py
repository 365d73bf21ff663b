"""Whoosh's segments below its public API, in one place: opened to be read in place, and
written by several processes and committed as one index.

Everything here leans on whoosh-reloaded 2.7.5's internals (its compound storage, segment
writer and their private methods); tests/test_segment_files.py compares each with what
Whoosh's own code gives, so an upgrade that changes them fails there first.

Reading in place: Whoosh opens each file inside a compound segment (`.seg`) as a
`BufferFile` over a slice of the segment's memory map, and `BufferFile` wraps that slice in
an `io.BytesIO`, which copies it. So opening an index copied every term file, and the first
search copied every postings file: megabytes per process, and a delay each time a server
process or `index update` opens a generation (docs/performance.md has the figures). `SliceFile`
reads the slice where it lies. `open_dir` and `create_in` make Whoosh's compound storage use
it before they open an index; nothing else changes, the bytes read are the same. Whoosh's
`CompoundStorage.open_file` looks `BufferFile` up in its module when it opens a file.

Closing a storage also releases every view its files still hold. Whoosh's readers refer to
each other in cycles, so without that the views, and with them the memory map and its file
descriptor, lived until the cycle collector happened to run: a server process kept replaced
(and deleted) generations open, and their disk space was not given back.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from whoosh import index
from whoosh.fields import Schema
from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile
from whoosh.writing import SegmentWriter as _WhooshSegmentWriter


class _SliceReader:
    """The little of a binary file that Whoosh's readers use (seek, tell, read, readline,
    and peek for pickle), over a memoryview, without copying it."""

    def __init__(self, view: memoryview):
        self._view = view
        self._position = 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: len(self._view)}
        self._position = max(0, base[whence] + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._position = max(start, end)
        return bytes(self._view[start:end])

    def peek(self, size: int = 1) -> memoryview:
        """Return a view of the bytes from the position on, without moving it: pickle's loader
        reads ahead with it a block at a time, instead of calling `read` for every opcode."""
        start = self._position
        return self._view[start : start + max(size, 1)]

    def readline(self, size: int | None = -1) -> bytes:
        # Only pickle's text opcodes read lines, and Whoosh pickles in binary protocols.
        line = bytearray()
        while size is None or size < 0 or len(line) < size:
            byte = self.read(1)
            line += byte
            if not byte or byte == b"\n":
                break
        return bytes(line)

    def close(self) -> None:
        self._view = memoryview(b"")


class SliceFile(BufferFile):
    """A `BufferFile` that reads its buffer in place instead of from a copy of it."""

    def __init__(self, buf, name=None, onclose=None):
        # BufferFile.__init__ is not called: it is the copy this class exists to avoid.
        self._buf = buf
        self._name = name
        self._views = [buf, memoryview(buf)]
        self.file = _SliceReader(self._views[1])
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False
        self._parts: weakref.WeakSet[SliceFile] = weakref.WeakSet()

    def subset(self, position, length, name=None):
        """Return part of this file as a file of its own, still without copying."""
        view = memoryview(self._buf)[position : position + length]
        part = SliceFile(view, name or self._name)
        self._parts.add(part)
        return part

    def release(self) -> None:
        """Let go of the bytes under this file and its parts: no read works after this."""
        for part in list(self._parts):
            part.release()
        self.file.close()
        for view in self._views:
            view.release()
        self._views = []


_opened: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # storage -> its SliceFiles


def _open_file(storage, name, *args, **kwargs):
    opened = _whoosh_open_file(storage, name, *args, **kwargs)
    if isinstance(opened, SliceFile):
        _opened.setdefault(storage, weakref.WeakSet()).add(opened)
    return opened


def _close(storage) -> None:
    for opened in list(_opened.pop(storage, ())):
        opened.release()
    _whoosh_close(storage)


_whoosh_open_file = compound.CompoundStorage.open_file
_whoosh_close = compound.CompoundStorage.close


def _read_in_place() -> None:
    """Make Whoosh open the files inside compound segments as `SliceFile`s, and release
    them when their storage closes (for every index of the process; done again, no-op)."""
    compound.BufferFile = SliceFile
    compound.CompoundStorage.open_file = _open_file
    compound.CompoundStorage.close = _close


def open_dir(directory: Path | str) -> index.Index:
    """Open the Whoosh index in `directory`, its segment files to be read in place.

    Every index the site opens goes through here (or `create_in`), in whichever process:
    a server's, the build's or a worker's, started any way.
    """
    _read_in_place()
    return index.open_dir(str(directory))


def create_in(directory: Path | str, schema: Schema) -> index.Index:
    """Create an empty Whoosh index in `directory`, opened as `open_dir` opens one."""
    _read_in_place()
    return index.create_in(str(directory), schema)


_DEFAULT = object()


class _LengthsOnce:
    """A segment's per-document reader whose field lengths are read once per field.

    Writing postings asks for the document's field length once per posting (for block
    statistics), and Whoosh reads it from the length column every time: about a quarter
    of writing a segment. The values are the same.
    """

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[str, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        """Return the document's length in the field, as the wrapped reader would."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            # Read with a marker for "the reader's default", so any default is answered
            # as the reader would answer it, not the one the first caller gave.
            lengths = self._lengths[fieldname] = [
                self._reader.doc_field_length(d, fieldname, _DEFAULT)
                for d in range(self._reader.doc_count_all())
            ]
        found = lengths[docnum] if 0 <= docnum < len(lengths) else _DEFAULT
        return default if found is _DEFAULT else found

    def __getattr__(self, name):
        return getattr(self._reader, name)


class SegmentWriter(_WhooshSegmentWriter):
    """Whoosh's segment writer, flushing postings with field lengths read once."""

    def per_document_reader(self):
        """Return the new segment's per-document reader (lengths cached)."""
        return _LengthsOnce(super().per_document_reader())


def write_segment(ix: index.Index, documents) -> object:
    """Write documents into a new segment of the index, not yet part of it, and return the
    segment for `commit_segments` (in a worker process, while the parent holds the lock)."""
    # Segments get unique names, so writers that take no lock never collide.
    writer = SegmentWriter(ix, _lk=False, limitmb=256)
    for document in documents:
        writer.add_document(**document)
    return writer._finalize_segment()  # noqa: SLF001 - as whoosh.multiproc's workers do


def commit_segments(writer, segments: list) -> None:
    """Commit segments written by `write_segment` as the index's, through the writer that
    holds its lock, as `whoosh.multiproc.MpWriter` commits its workers' segments."""
    writer._close_segment()  # noqa: SLF001 - see the docstring
    writer._commit_toc(segments)  # noqa: SLF001 - see the docstring
    writer._finish()  # noqa: SLF001 - see the docstring
