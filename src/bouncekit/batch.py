"""Many messages: sources -> reports -> flat records, the rows the CLI prints.

A :class:`Record` is one output line: one recipient of one message, or a message-level line
when a message has no recipient to report (not a bounce, or unreadable). Every input message
yields at least one record, so nothing is ever dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from .model import Report
from .parse import parse
from .rules import RuleSet
from .sources import RawMessage, SourceError, iter_paths


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


def classify_paths(paths: Iterable[str | os.PathLike[str]], *, rules: RuleSet | None = None,
                   on_path_error: Callable[[str, str], None] | None = None) -> Iterator[Record]:
    """Classify every message under ``paths`` (files, directories, mbox, Maildir, ``-``).

    A path that cannot be read yields one error record and is reported to ``on_path_error``
    (path, message); the other paths are still processed.
    """
    for path in paths:
        path = os.fspath(path)
        try:
            for raw in iter_paths(path):
                yield from classify_raw(raw, rules=rules)
        except SourceError as exc:
            if on_path_error is not None:
                on_path_error(path, str(exc))
            yield _error_record(path, 0, str(exc))
