"""Whoosh reads the files inside a segment straight from its memory map, without copying them.

Whoosh opens each file inside a compound segment (`.seg`) as a `BufferFile` over a slice of
the segment's memory map, and `BufferFile` wraps that slice in an `io.BytesIO`, which copies
it. So opening an index copied every term file, and the first search copied every postings
file: at 10,000 articles some 60 MB per process, and tens of milliseconds each time a
server process or `index update` opens a generation. `SliceFile` reads the slice where it
lies. `install()` makes Whoosh's compound storage use it; nothing else changes, the bytes
read are the same. Pinned to whoosh-reloaded 2.7.5, whose `CompoundStorage.open_file`
looks `BufferFile` up in its module when it opens a file.

Closing a storage also releases every view its files still hold. Whoosh's readers refer to
each other in cycles, so without that the views, and with them the memory map and its file
descriptor, lived until the cycle collector happened to run: a server process kept replaced
(and deleted) generations open, and their disk space was not given back.
"""

from __future__ import annotations

import os
import weakref

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


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

    def __init__(self, buf, name=None, onclose=None):  # noqa: D107 - BufferFile's arguments
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


def install() -> None:
    """Make Whoosh open the files inside compound segments as `SliceFile`s, and release
    them when their storage closes."""
    compound.BufferFile = SliceFile
    compound.CompoundStorage.open_file = _open_file
    compound.CompoundStorage.close = _close
