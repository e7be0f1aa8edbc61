"""Many messages: sources -> reports -> flat records, the rows the CLI prints.

A :class:`Record` is one output line: one recipient of one message, or a message-level line
when a message has no recipient to report (not a bounce, or unreadable). Every input message
yields at least one record, so nothing is ever dropped silently.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from .model import Report
from .parse import parse
from .rules import RuleSet
from .sources import (NOT_MAIL, RawMessage, SourceError, compression_of, iter_file, looks_like_mail, mbox_ranges,
                      read_range, read_stdin, split_messages, walk)


@dataclass(frozen=True, slots=True)
class Record:
    """One output row. Field order is the JSONL key order and the CSV column order."""

    source: str
    """The path as given on the command line (or ``-``)."""
    index: int
    """0-based position of the message inside its source."""
    recipient: str | None
    action: str | None
    status: str | None
    reply_code: str | None
    group: str | None
    hard: bool | None
    diagnostic: str | None
    remote_mta: str | None
    reporting_mta: str | None
    original_message_id: str | None
    format: str | None
    rule: str | None
    error: str | None
    """Why the message (or the path) could not be read or decoded; None when all went well."""

    def to_dict(self) -> dict[str, Any]:
        """A new dict in the JSONL key order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: The column names, in order (JSONL keys, CSV header).
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Record))


def records_of(report: Report, source: str, index: int) -> list[Record]:
    """The output rows of one report: one per delivery, or one message-level row."""
    error = " ".join(report.errors) or None
    common = dict(source=source, index=index, reporting_mta=report.reporting_mta,
                  original_message_id=report.original_message_id, format=report.format)
    if not report.deliveries:
        return [Record(recipient=None, action=None, status=None, reply_code=None, group=None, hard=None,
                       diagnostic=None, remote_mta=None, rule=None, error=error, **common)]
    return [Record(recipient=d.recipient, action=d.action, status=d.status, reply_code=d.reply_code,
                   group=d.group.value, hard=d.hard, diagnostic=d.diagnostic, remote_mta=d.remote_mta,
                   rule=d.rule, error=error, **common) for d in report.deliveries]


def _error_record(source: str, index: int, error: str) -> Record:
    return Record(source=source, index=index, recipient=None, action=None, status=None, reply_code=None,
                  group=None, hard=None, diagnostic=None, remote_mta=None, reporting_mta=None,
                  original_message_id=None, format=None, rule=None, error=error)


def classify_raw(raw: RawMessage, *, rules: RuleSet | None = None) -> list[Record]:
    """The records of one raw message."""
    if raw.error is not None:
        return [_error_record(raw.source, raw.index, raw.error)]
    return records_of(parse(raw.data, rules=rules), raw.source, raw.index)


# --- planning: the parent cuts the input into work units -------------------------------------------
#
# A work unit is a tuple of parts; a part is one of
#   ("file", path, source, offset, length, first_index)  a plain file region the worker reads itself
#                                                        (length -1: the whole file, head checked)
#   ("raw", source, index, data, error)                  a message the parent already read
#                                                        (stdin, compressed files)
# Units are small (about UNIT_BYTES of mail or UNIT_MESSAGES messages), results come back in unit
# order, and at most `window` units are in flight, so memory stays flat whatever the input size.

UNIT_BYTES = 512 * 1024
UNIT_MESSAGES = 64
#: Plain files larger than this are cut into slices by the parent (message offsets).
SLICE_THRESHOLD = 2 * UNIT_BYTES

Part = tuple[Any, ...]


@dataclass(slots=True)
class _Unit:
    parts: list[Part]
    size: int = 0
    messages: int = 0
    records: list[Record] | None = None  # set for units the parent resolved itself (path errors)


def _plan(paths: Iterable[str], stdin_mbox: bool, on_path_error: Callable[[str, str], None] | None) -> Iterator[_Unit]:
    unit = _Unit([])

    def add(part: Part, size: int, messages: int) -> Iterator[_Unit]:
        nonlocal unit
        unit.parts.append(part)
        unit.size += size
        unit.messages += messages
        if unit.size >= UNIT_BYTES or unit.messages >= UNIT_MESSAGES:
            yield unit
            unit = _Unit([])

    def flush() -> Iterator[_Unit]:
        nonlocal unit
        if unit.parts:
            yield unit
            unit = _Unit([])

    for path in paths:
        try:
            if path == "-":
                for raw in read_stdin(mbox=stdin_mbox):
                    yield from add(("raw", raw.source, raw.index, raw.data, raw.error), len(raw.data), 1)
                continue
            if os.path.isdir(path):
                for name in walk(path):
                    try:
                        yield from _plan_file(name, add)
                    except SourceError as exc:  # one unreadable file must not end the walk
                        yield from add(("raw", name, 0, b"", str(exc)), 0, 1)
            elif os.path.exists(path):
                yield from _plan_file(path, add)
            else:
                raise SourceError(f"No such file or directory: {path}.")
        except SourceError as exc:
            if on_path_error is not None:
                on_path_error(path, str(exc))
            yield from flush()
            yield _Unit([], records=[_error_record(path, 0, str(exc))])
    yield from flush()


def _plan_file(name: str, add: Callable[[Part, int, int], Iterator[_Unit]]) -> Iterator[_Unit]:
    try:
        size = os.path.getsize(name)
        with open(name, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise SourceError(f"Cannot read {name}: {exc.strerror or exc}.") from exc
    if compression_of(name, head) is not None:
        # Compressed: no offsets to seek to; the parent decompresses and streams the messages.
        for raw in iter_file(name):
            yield from add(("raw", raw.source, raw.index, raw.data, raw.error), len(raw.data), 1)
        return
    if size <= SLICE_THRESHOLD:
        yield from add(("file", name, name, 0, -1, 0), size, 1)
        return
    if not looks_like_mail(head):
        yield from add(("raw", name, 0, b"", NOT_MAIL), 0, 1)
        return
    # A large plain file: cut it into slices of whole messages; each worker reads its own slice.
    index = 0
    start = length = count = 0
    for offset, size in mbox_ranges(name):
        if count and (length + size > UNIT_BYTES or count >= UNIT_MESSAGES):
            yield from add(("file", name, name, start, length, index), length, count)
            index += count
            start, length, count = offset, 0, 0
        if not count:
            start = offset
        length = offset + size - start
        count += 1
    if count:
        yield from add(("file", name, name, start, length, index), length, count)


# --- working: a worker (or the parent, with jobs=1) turns a unit into records ------------------------

_worker_rules: RuleSet | None = None  # per worker process, set once by _init_worker


def _init_worker(rules: RuleSet | None) -> None:
    global _worker_rules
    _worker_rules = rules


def _run_unit(parts: list[Part], rules: RuleSet | None) -> tuple[int, list[tuple[Any, ...]]]:
    """Records (as tuples: cheaper to send between processes) and the number of messages read."""
    out: list[Record] = []
    messages = 0
    for part in parts:
        if part[0] == "raw":
            _, source, index, data, error = part
            out += classify_raw(RawMessage(source, index, data, error), rules=rules)
            messages += 1
            continue
        _, path, source, offset, length, first = part
        try:
            if length < 0:
                with open(path, "rb") as fh:
                    data = fh.read()
                if data and not looks_like_mail(data[:64]):
                    out.append(_error_record(source, 0, NOT_MAIL))
                    messages += 1
                    continue
            else:
                data = read_range(path, offset, length)
        except OSError as exc:
            out.append(_error_record(source, first, f"Cannot read {path}: {exc.strerror or exc}."))
            messages += 1
            continue
        for i, message in enumerate(split_messages(data)):
            out += records_of(parse(message, rules=rules), source, first + i)
            messages += 1
    return messages, [astuple_fast(r) for r in out]


def _work(parts: list[Part]) -> tuple[int, list[tuple[Any, ...]]]:
    return _run_unit(parts, _worker_rules)


def astuple_fast(record: Record) -> tuple[Any, ...]:
    """The fields of a record as a tuple, in COLUMNS order (not recursive, unlike dataclasses.astuple)."""
    return tuple(getattr(record, name) for name in COLUMNS)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def classify_paths(paths: Iterable[str | os.PathLike[str]], *, jobs: int = 1, rules: RuleSet | None = None,
                   stdin_mbox: bool = False, on_path_error: Callable[[str, str], None] | None = None,
                   progress: Callable[[int], None] | None = None) -> Iterator[Record]:
    """Classify every message under ``paths`` (files, directories, mbox, Maildir, ``-``), in order.

    ``jobs`` worker processes share the work (``1``: in this process; ``0`` or None: one per CPU);
    the records come out in input order whatever ``jobs`` is. ``rules`` is the table to use (the
    built-in one by default); it is sent once to each worker. ``-`` reads one message from stdin,
    or an mbox stream with ``stdin_mbox=True``; compressed inputs are read transparently.

    A path that cannot be read yields one error record and is reported to ``on_path_error``
    (path, message); the other paths are still processed. ``progress`` is called with the number
    of messages each time a batch of them is done.
    """
    jobs = default_jobs() if not jobs else jobs
    units = _plan((os.fspath(p) for p in paths), stdin_mbox, on_path_error)
    if jobs > 1:
        # Workers only pay off when there is more than one unit of work: look ahead for a second one.
        ahead = list(itertools.islice((u for u in units), 2))
        units = itertools.chain(ahead, units)
        if sum(1 for u in ahead if u.records is None) > 1:
            yield from _parallel(units, jobs, rules, progress)
            return
    for unit in units:
        if unit.records is not None:
            yield from unit.records
            continue
        messages, rows = _run_unit(unit.parts, rules)
        yield from (Record(*row) for row in rows)
        if progress is not None:
            progress(messages)


def _parallel(units: Iterator[_Unit], jobs: int, rules: RuleSet | None,
              progress: Callable[[int], None] | None) -> Iterator[Record]:
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    window = jobs * 4
    pending: deque[_Unit | Future[tuple[int, list[tuple[Any, ...]]]]] = deque()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                             initializer=_init_worker, initargs=(rules,)) as pool:
        def drain(limit: int) -> Iterator[Record]:
            while len(pending) > limit:
                head = pending.popleft()
                if isinstance(head, _Unit):
                    yield from head.records or ()
                    continue
                messages, rows = head.result()
                yield from (Record(*row) for row in rows)
                if progress is not None:
                    progress(messages)

        try:
            for unit in units:
                pending.append(unit if unit.records is not None else pool.submit(_work, unit.parts))
                yield from drain(window)
            yield from drain(0)
        finally:
            for item in pending:
                if not isinstance(item, _Unit):
                    item.cancel()
