"""Where messages come from: files, directories, mbox files, Maildirs, stdin, compressed streams.

Everything here yields bytes (a :class:`RawMessage`, or the offsets of messages in a file) and
knows nothing of bounces. Reading is streaming: an mbox is cut into messages block by block and
never read whole, so memory stays flat whatever the size of the input.

mbox rules (one function, :func:`split_messages` / :func:`iter_mbox`, for every reader):

- a message starts at a line ``From <something>`` that opens the file or follows a blank line;
- line ends may be LF, CRLF or CR alone (a CR LF pair is always one line end);
- the separator line is not part of the message; ``>From `` quoting is undone by one level
  (``>>From `` becomes ``>From ``), which reads mboxrd exactly and mboxo as well as it can be read;
- a file with no separator is one message; a blank run before the first separator is no message.

Plain files can also be *planned*: :func:`mbox_ranges` scans a file for the byte offsets of its
messages, so that worker processes read their own slices (``batch.py``). Compressed files cannot
be sought into; they are decompressed as one stream (:func:`iter_file`).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

_HEADER_START = re.compile(rb"^(?:From |>?[A-Za-z0-9][A-Za-z0-9_-]*:)")
_FROM = re.compile(rb"From \S")
_FIRST_LINE_END = re.compile(rb"\r\n|\n|\r")
_QUOTED_FROM = re.compile(rb"(?:(?<=[\r\n])|\A)>(>*From )")
# The longest separator match ("\r\n\r\n" + "From x"): how much of a block's end is scanned again.
_OVERLAP = 16
BLOCK_SIZE = 1 << 20

_COMPRESSED_EXT = {".gz": "gz", ".bz2": "bz2", ".xz": "xz", ".zst": "zst"}
_MAGIC = ((b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zst"))


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


# --- compression ---------------------------------------------------------------------------------

def compression_of(path: str, head: bytes = b"") -> str | None:
    """``gz``, ``bz2``, ``xz`` or ``zst`` from the file name, else from the magic bytes; None if plain."""
    kind = _COMPRESSED_EXT.get(os.path.splitext(path)[1].lower())
    if kind:
        return kind
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def decompressing(raw: BinaryIO, kind: str | None) -> BinaryIO:
    """A readable stream of the decompressed bytes of ``raw`` (``raw`` itself when ``kind`` is None)."""
    if kind is None:
        return raw
    if kind == "gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if kind == "bz2":
        return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(raw, "rb")  # type: ignore[return-value]
    import zstandard  # a dependency; imported here because only .zst input needs it

    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return io.BufferedReader(reader)  # type: ignore[arg-type,return-value]


def _decompress_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [EOFError, lzma.LZMAError, zlib.error, ValueError, gzip.BadGzipFile]
    try:
        import zstandard

        errors.append(zstandard.ZstdError)
    except ImportError:  # pragma: no cover - zstandard is a dependency
        pass
    return tuple(errors)


# --- splitting -----------------------------------------------------------------------------------

def _message(chunk: bytes) -> bytes:
    """A message from its mbox chunk: separator line dropped, ``>From`` quoting undone."""
    if chunk.startswith(b"From "):
        m = _FIRST_LINE_END.search(chunk)
        chunk = chunk[m.end():] if m else b""
    if b">From " in chunk:
        chunk = _QUOTED_FROM.sub(rb"\1", chunk)
    return chunk


def _starts(data: bytes, start: int = 0) -> Iterator[int]:
    """Offsets (> 0) in ``data`` where a separator line begins, searching from ``start``.

    A "From x" counts when the two line ends before it make a blank line: LF, CRLF or CR, where a
    CR LF pair is one line end (CRLF text is never read as CR + LF). The literal search is fast;
    the look-back is three byte comparisons.
    """
    for m in _FROM.finditer(data, start):
        pos = m.start()
        if pos < 2:
            continue
        c = data[pos - 1]
        if c == 10:  # LF, or the end of CRLF
            q = pos - 2 if data[pos - 2] == 13 else pos - 1
        elif c == 13:  # CR alone
            q = pos - 1
        else:
            continue
        if q >= 1 and data[q - 1] in (10, 13):
            yield pos


def split_messages(data: bytes) -> list[bytes]:
    """The messages of an mbox (or of a single message) held in memory."""
    out: list[bytes] = []
    begin = 0
    for pos in _starts(data):
        if begin or data[:pos].strip():
            out.append(_message(data[begin:pos]))
        begin = pos
    if begin or data.strip():
        out.append(_message(data[begin:]))
    return out


def iter_mbox(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Messages of an mbox stream, one at a time; memory holds one message plus one block.

    A message is yielded as soon as the separator after it has been read, so a stream that
    breaks off (a truncated compressed file) still gives every message before the break.
    """
    pending = bytearray()
    scanned = 0  # how far `pending` has been searched for separators
    first = True
    while True:
        block = stream.read(block_size)
        if not block:
            break
        pending += block
        begin = 0
        for pos in _starts(pending, max(0, scanned - _OVERLAP)):
            if pos <= begin:
                continue
            chunk = bytes(pending[begin:pos])
            if not first or chunk.strip():
                yield _message(chunk)
            first = False
            begin = pos
        if begin:
            del pending[:begin]
        scanned = len(pending)
    if pending and (not first or pending.strip()):
        yield _message(bytes(pending))


def split_mbox(stream: BinaryIO) -> Iterator[bytes]:
    """Messages of an mbox stream (mboxo or mboxrd), one at a time (see the module docstring)."""
    return iter_mbox(stream)


def mbox_ranges(path: str, block_size: int = BLOCK_SIZE) -> Iterator[tuple[int, int]]:
    """``(offset, length)`` of each message of a plain (uncompressed) file, without keeping its bytes.

    The same cuts as :func:`split_messages` makes on the whole file, so a worker that reads
    ``length`` bytes at ``offset`` and splits them gets exactly those messages.
    """
    with open(path, "rb") as fh:
        begin = 0
        tail = b""
        base = 0  # file offset of tail[0]
        while True:
            block = fh.read(block_size)
            if not block:
                break
            buf = tail + block
            for rel in _starts(buf):
                pos = base + rel
                if pos <= begin:
                    continue  # found already, in the overlap of the previous block
                if begin or _has_text(fh, pos):
                    yield (begin, pos - begin)
                begin = pos
            keep = min(len(buf), _OVERLAP)
            base += len(buf) - keep
            tail = buf[len(buf) - keep:]
        end = base + len(tail)
        if end > begin and (begin or _has_text(fh, end)):
            yield (begin, end - begin)


def _has_text(fh: BinaryIO, length: int) -> bool:
    """True unless the first ``length`` bytes of the file are blank (no message before the first separator)."""
    if length > BLOCK_SIZE:
        return True
    here = fh.tell()
    fh.seek(0)
    data = fh.read(length)
    fh.seek(here)
    return bool(data.strip())


def read_range(path: str, offset: int, length: int) -> bytes:
    """``length`` bytes of a plain file from ``offset`` (a worker's slice)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read(length)


def looks_like_mail(head: bytes) -> bool:
    """True when the first bytes look like a message or an mbox (a header line or "From ")."""
    head = head.lstrip(b"\r\n")
    return bool(_HEADER_START.match(head))


NOT_MAIL = "The file does not look like a mail message (no header at its start)."


# --- paths ---------------------------------------------------------------------------------------

def iter_stream(stream: BinaryIO, source: str, *, mbox: bool = True, kind: str | None = None) -> Iterator[RawMessage]:
    """Messages of an open binary stream (a file or stdin), decompressing when ``kind`` says so.

    With ``mbox=False`` the whole stream is one message.
    """
    index = 0
    try:
        with decompressing(stream, kind) as fh:
            if not mbox:
                yield RawMessage(source, 0, fh.read())
                return
            head = fh.peek(64)[:64] if hasattr(fh, "peek") else b""
            if head and not looks_like_mail(head):
                yield RawMessage(source, 0, b"", NOT_MAIL)
                return
            # Compressed streams are read in small blocks: a truncated file loses only its last block.
            for data in iter_mbox(fh, BLOCK_SIZE if kind is None else 16 * 1024):
                yield RawMessage(source, index, data)
                index += 1
    except _decompress_errors() as exc:
        yield RawMessage(source, index, b"", f"The file could not be decompressed or read: {exc}.")
    except OSError as exc:
        if exc.errno is not None:  # the file system's complaint (missing, unreadable): the path fails
            raise
        # a decompressor's complaint (bz2 "Invalid data stream"): this file's record says so
        yield RawMessage(source, index, b"", f"The file could not be decompressed or read: {exc}.")


def iter_file(path: str, source: str | None = None) -> Iterator[RawMessage]:
    """Messages of one file: a single message or an mbox; compressed files opened transparently."""
    source = source if source is not None else path
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    with fh:
        try:
            kind = compression_of(path, fh.peek(8)[:8])
            yield from iter_stream(fh, source, kind=kind)
        except OSError as exc:
            raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def walk(path: str) -> Iterator[str]:
    """The files under a directory, recursively, in sorted order; hidden files and Maildir ``tmp/`` skipped."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


def read_stdin(*, mbox: bool = False) -> Iterator[RawMessage]:
    """Messages on stdin: one message, or an mbox stream with ``mbox=True``; compression detected."""
    stdin = sys.stdin.buffer
    reader = stdin if hasattr(stdin, "peek") else io.BufferedReader(stdin)  # type: ignore[arg-type]
    kind = compression_of("-", reader.peek(8)[:8])
    yield from iter_stream(reader, "-", mbox=mbox, kind=kind)


def iter_paths(path: str, *, stdin_mbox: bool = False) -> Iterator[RawMessage]:
    """Messages under a path: a file, an mbox, a directory (recursively, sorted), a Maildir, or ``-``."""
    if path == "-":
        yield from read_stdin(mbox=stdin_mbox)
        return
    if os.path.isdir(path):
        for name in walk(path):
            try:
                yield from iter_file(name)
            except SourceError as exc:  # one unreadable file must not end the walk
                yield RawMessage(name, 0, b"", str(exc))
        return
    if not os.path.exists(path):
        raise SourceError(f"No such file or directory: {path}.")
    yield from iter_file(path)


def iter_messages(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The raw messages under ``path`` (file, mbox, directory or Maildir), in a stable order."""
    for raw in iter_paths(os.fspath(path)):
        if raw.error is None:
            yield raw.data

