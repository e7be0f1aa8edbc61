"""Where messages come from: files, directories, mbox files, Maildirs, stdin.

Everything here yields ``(source, index, raw bytes)`` and knows nothing of bounces. Reading
is streaming: an mbox is split line by line, never read whole.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# An mbox separator: "From " at the start of a line, then a sender and (usually) a date.
_MBOX_FROM = re.compile(rb"^From \S+")
_HEADER_START = re.compile(rb"^(?:From |>?[A-Za-z0-9][A-Za-z0-9_-]*:)")
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message as read from a source, before parsing."""

    source: str
    """The path as given (or ``-`` for stdin)."""
    index: int
    """0-based position of the message inside its source."""
    data: bytes
    """The raw message; empty when ``error`` is set."""
    error: str | None = None
    """Why the message could not be read, as a sentence."""


class SourceError(OSError):
    """A path that cannot be read at all (missing, unreadable)."""


def _open(path: str) -> BinaryIO:
    ext = os.path.splitext(path)[1].lower()
    if ext == ".zst":
        import zstandard  # optional: only needed for .zst input

        return zstandard.open(path, "rb")  # type: ignore[return-value]
    opener = _OPENERS.get(ext)
    return opener(path, "rb") if opener else open(path, "rb")  # type: ignore[operator,return-value]


def split_mbox(stream: BinaryIO) -> Iterator[bytes]:
    """Messages of an mbox stream (mboxo or mboxrd), one at a time.

    A line starting ``From `` opens a new message when it follows a blank line (or starts the
    file). ``>From `` quoting is undone (mboxrd: one level of ``>`` removed from ``>+From ``).
    A stream with no separator at all is one message.
    """
    lines: list[bytes] = []
    previous_blank = True
    for line in stream:
        if line.startswith(b"From ") and previous_blank and _MBOX_FROM.match(line):
            if lines:
                yield b"".join(lines)
            lines = []
            previous_blank = False
            continue
        stripped = line.rstrip(b"\r\n")
        previous_blank = not stripped
        if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        lines.append(line)
    if lines:
        yield b"".join(lines)


def looks_like_mail(head: bytes) -> bool:
    """True when the first bytes look like a message or an mbox (a header line or "From ")."""
    head = head.lstrip(b"\r\n")
    return bool(_HEADER_START.match(head))


def iter_file(path: str, source: str | None = None) -> Iterator[RawMessage]:
    """Messages of one file: a single message or an mbox; compressed files opened transparently."""
    source = source if source is not None else path
    index = 0
    try:
        with _open(path) as fh:
            head = fh.peek(64)[:64] if hasattr(fh, "peek") else b""
            if head and not looks_like_mail(head):
                yield RawMessage(source, 0, b"", "The file does not look like a mail message (no header at its start).")
                return
            for data in split_mbox(fh):
                yield RawMessage(source, index, data)
                index += 1
    except OSError as exc:
        if exc.errno is not None:  # the file system's complaint (missing, unreadable): the path fails
            raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        # a decompressor's complaint (BadGzipFile, bz2 "Invalid data stream"): this file's record says so
        yield RawMessage(source, index, b"", f"The file could not be decompressed or read: {exc}.")
    except (EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        yield RawMessage(source, index, b"", f"The file could not be decompressed or read: {exc}.")


def iter_paths(path: str) -> Iterator[RawMessage]:
    """Messages under a path: a file, an mbox, a directory (recursively, sorted) or a Maildir."""
    if path == "-":
        data = sys.stdin.buffer.read()
        yield RawMessage("-", 0, data)
        return
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
            for name in sorted(files):
                if not name.startswith("."):
                    try:
                        yield from iter_file(os.path.join(root, name))
                    except SourceError as exc:  # one unreadable file must not end the walk
                        yield RawMessage(os.path.join(root, name), 0, b"", str(exc))
        return
    if not os.path.exists(path):
        raise SourceError(f"No such file or directory: {path}.")
    yield from iter_file(path)


def iter_messages(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The raw messages under ``path`` (file, mbox, directory or Maildir), in a stable order."""
    for raw in iter_paths(os.fspath(path)):
        if raw.error is None:
            yield raw.data
