"""Many messages: sources -> reports -> flat records, the rows the CLI prints.

A :class:`Record` is one output line: one recipient of one message, or a message-level line
when a message has no recipient to report (not a bounce, or unreadable). Every input message
yields at least one record, so nothing is ever dropped silently: not when a file disappears
between planning and reading (an error record), and not when a worker process dies (killed, out
of memory): the pool is rebuilt, the units in flight are sent again, and the unit that was
being read when the worker died is read again one message at a time, in a pool of its own, so
that the message that kills its worker is found and becomes an error record.
"""

from __future__ import annotations

import itertools
import operator
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from .limits import Limits
from .model import Report
from .parse import parse, timer_handler_kept
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


def classify_raw(raw: RawMessage, *, rules: RuleSet | None = None, limits: Limits | None = None) -> list[Record]:
    """The records of one raw message."""
    if raw.error is not None:
        return [_error_record(raw.source, raw.index, raw.error)]
    _test_kill(raw.data)
    return records_of(parse(raw.data, rules=rules, limits=limits), raw.source, raw.index)


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
_worker_limits: Limits | None = None
#: Test hook (worker processes only): a message containing these bytes kills its worker with SIGKILL,
#: as the kernel's OOM killer would. Read from $BOUNCEKIT_TEST_KILL_WORKER when a worker starts.
_kill_marker: bytes | None = None


def _init_worker(rules: RuleSet | None, limits: Limits | None = None) -> None:
    global _worker_rules, _worker_limits, _kill_marker
    _worker_rules = rules
    _worker_limits = limits
    marker = os.environ.get("BOUNCEKIT_TEST_KILL_WORKER")
    _kill_marker = marker.encode("utf-8") if marker else None


def _test_kill(data: bytes) -> None:
    if _kill_marker is not None and _kill_marker in data:
        os.kill(os.getpid(), signal.SIGKILL)


def _read_part(part: Part) -> bytes | Record:
    """The bytes of a file part (a whole file, or one slice of an mbox), or the error record saying
    why there are none (unreadable; a whole file that is empty or not mail gets one line too)."""
    _, path, source, offset, length, first = part
    try:
        if length >= 0:
            return read_range(path, offset, length)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return _error_record(source, first, f"Cannot read {path}: {exc.strerror or exc}.")
    if not data.strip() or not looks_like_mail(data[:64]):
        return _error_record(source, 0, NOT_MAIL)
    return data


def _run_unit(parts: list[Part], rules: RuleSet | None,
              limits: Limits | None = None) -> tuple[int, list[Record]]:
    """The records of a unit's messages, and the number of messages read."""
    out: list[Record] = []
    messages = 0
    with timer_handler_kept():
        for part in parts:
            if part[0] == "raw":
                _, source, index, data, error = part
                out += classify_raw(RawMessage(source, index, data, error), rules=rules, limits=limits)
                messages += 1
                continue
            data = _read_part(part)
            if isinstance(data, Record):
                out.append(data)
                messages += 1
                continue
            source, first = part[2], part[5]
            for i, message in enumerate(split_messages(data)):
                _test_kill(message)
                out += records_of(parse(message, rules=rules, limits=limits), source, first + i)
                messages += 1
    return messages, out


def _work(parts: list[Part]) -> tuple[int, list[tuple[Any, ...]]]:
    """A worker's unit: the records as tuples (cheaper to send between processes)."""
    messages, records = _run_unit(parts, _worker_rules, _worker_limits)
    return messages, [astuple_fast(r) for r in records]


def _single_messages(parts: list[Part]) -> list[Part | Record]:
    """The messages of a unit, one part each (read here, in the parent), or error records."""
    out: list[Part | Record] = []
    for part in parts:
        if part[0] == "raw":
            out.append(part)
            continue
        data = _read_part(part)
        if isinstance(data, Record):
            out.append(data)
            continue
        source, first = part[2], part[5]
        out += [("raw", source, first + i, message, None) for i, message in enumerate(split_messages(data))]
    return out


WORKER_DIED = ("The worker process reading this message died (killed, or out of memory); "
               "the message was not classified.")


_FIELDS_OF = operator.attrgetter(*COLUMNS)


def astuple_fast(record: Record) -> tuple[Any, ...]:
    """The fields of a record as a tuple, in COLUMNS order (not recursive, unlike dataclasses.astuple)."""
    return _FIELDS_OF(record)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def classify_paths(paths: Iterable[str | os.PathLike[str]], *, jobs: int = 1, rules: RuleSet | None = None,
                   stdin_mbox: bool = False, on_path_error: Callable[[str, str], None] | None = None,
                   progress: Callable[[int], None] | None = None, limits: Limits | None = None) -> Iterator[Record]:
    """Classify every message under ``paths`` (files, directories, mbox, Maildir, ``-``), in order.

    ``jobs`` worker processes share the work (``1``: in this process; ``0`` or None: one per CPU);
    the records come out in input order whatever ``jobs`` is. ``rules`` is the table to use (the
    built-in one by default); it is sent once to each worker. ``-`` reads one message from stdin,
    or an mbox stream with ``stdin_mbox=True``; compressed inputs are read transparently.

    A path that cannot be read yields one error record and is reported to ``on_path_error``
    (path, message); the other paths are still processed. ``progress`` is called with the number
    of messages each time a batch of them is done. ``limits`` bounds the work per message
    (:class:`~bouncekit.Limits`, safe defaults). A worker process that dies costs only the message
    it was reading, which yields an error record (see the module docstring).
    """
    jobs = default_jobs() if not jobs else jobs
    units = _plan((os.fspath(p) for p in paths), stdin_mbox, on_path_error)
    if jobs > 1:
        # Workers only pay off when there is more than one unit of work: look ahead for a second one.
        ahead = list(itertools.islice((u for u in units), 2))
        units = itertools.chain(ahead, units)
        if sum(1 for u in ahead if u.records is None) > 1:
            yield from _parallel(units, jobs, rules, limits, progress)
            return
    for unit in units:
        if unit.records is not None:
            yield from unit.records
            continue
        messages, records = _run_unit(unit.parts, rules, limits)
        yield from records
        if progress is not None:
            progress(messages)


def _parallel(units: Iterator[_Unit], jobs: int, rules: RuleSet | None, limits: Limits | None,
              progress: Callable[[int], None] | None) -> Iterator[Record]:
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)

    def new_pool(workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(rules, limits))

    window = jobs * 4
    pending: deque[tuple[_Unit, Future[tuple[int, list[tuple[Any, ...]]]] | None]] = deque()
    pools = {"main": new_pool(jobs)}

    def rebuild() -> None:
        """A worker died: the pool is broken. A new one; the units in flight are sent to it again."""
        pools["main"].shutdown(wait=False, cancel_futures=True)
        pools["main"] = new_pool(jobs)
        for i, (unit, future) in enumerate(pending):
            if future is not None and not (future.done() and not future.cancelled() and future.exception() is None):
                pending[i] = (unit, pools["main"].submit(_work, unit.parts))

    def one_by_one(unit: _Unit) -> Iterator[Record]:
        """Read a unit whose worker died again, one message at a time in a pool of one worker."""
        solo = new_pool(1)
        try:
            for item in _single_messages(unit.parts):
                if isinstance(item, Record):
                    yield item
                    continue
                try:
                    messages, rows = solo.submit(_work, [item]).result()
                except BrokenProcessPool:  # this message killed its worker
                    solo.shutdown(wait=False, cancel_futures=True)
                    solo = new_pool(1)
                    yield _error_record(item[1], item[2], WORKER_DIED)
                    continue
                except Exception as exc:  # pragma: no cover - parse() is total; a bug of the batch code
                    yield _error_record(item[1], item[2], f"The message could not be classified: {exc!r}.")
                    continue
                yield from (Record(*row) for row in rows)
        finally:
            solo.shutdown(wait=False, cancel_futures=True)
        if progress is not None:
            progress(unit.messages)

    def drain(limit: int) -> Iterator[Record]:
        while len(pending) > limit:
            unit, future = pending.popleft()
            if future is None:
                yield from unit.records or ()
                continue
            try:
                messages, rows = future.result()
            except Exception:  # BrokenProcessPool: a worker died, maybe on this unit
                rebuild()
                yield from one_by_one(unit)
                continue
            yield from (Record(*row) for row in rows)
            if progress is not None:
                progress(messages)

    try:
        for unit in units:
            pending.append((unit, None if unit.records is not None else pools["main"].submit(_work, unit.parts)))
            yield from drain(window)
        yield from drain(0)
    finally:
        for _, future in pending:
            if future is not None:
                future.cancel()
        pools["main"].shutdown(wait=True, cancel_futures=True)
