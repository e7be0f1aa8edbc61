"""The bounce log: classified bounces in a SQLite file, searched, exported, pruned; the suppression list.

One :class:`BounceLog` wraps one connection. Open one per thread or process; SQLite (in WAL mode)
lets any number of readers work while one process ingests, and serialises writers.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any

from ..model import Group, Report
from ..parse import parse
from ..rules import RuleSet
from ..sources import SourceError, iter_paths
from . import _vocab
from ._policy import DEFAULT_POLICY, SuppressionPolicy, decide, soft_score
from ._schema import SchemaError, migrate
from ._verp import decode_verp

#: Where the log lives when no path is given: ``$BOUNCEKIT_DB``, else ``bouncekit.db`` in the
#: current directory (see ``docs/log.md`` for why).
DEFAULT_DB_NAME = "bouncekit.db"

#: Headers of the sent message kept for correlation when the bounce quotes them.
DEFAULT_CORRELATION_HEADERS: tuple[str, ...] = (
    "X-Api-Data", "X-Request-ID", "X-Correlation-ID", "X-Campaign-ID", "Feedback-ID",
)

#: Retention of the log, in days, when ``prune`` is given none.
DEFAULT_RETENTION_DAYS = 40

#: The CSV export's columns, in order.
CSV_COLUMNS: tuple[str, ...] = ("received", "status", "from", "to", "message ID", "error")

_NOT_FAILED_GROUPS = frozenset({Group.DELIVERED, Group.VACATION})

#: Sort orders of :meth:`BounceLog.search` (``-`` in front for descending) and their columns.
ORDERS: dict[str, str] = {
    "received": "b.received", "recipient": "b.recipient_lc", "subject": "m.orig_subject",
    "error": "b.diagnostic_lc", "group": "b.grp",
}
_NOT_FAILED_ACTIONS = frozenset({"delivered", "relayed", "expanded"})


class LogError(ValueError):
    """A bad argument to the bounce log (a malformed date, an unknown group), or a bad database."""


def default_db_path() -> str:
    """``$BOUNCEKIT_DB`` when set, else ``./bouncekit.db``."""
    return os.environ.get("BOUNCEKIT_DB") or DEFAULT_DB_NAME


def _utc_text(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    when = when.astimezone(timezone.utc)
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"


def _from_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(timezone.utc)


def _day(value: date | str | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LogError(f"The {what} date {value!r} is not a date of the form YYYY-MM-DD.") from None


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(column: str, text: str) -> str:
    return f'{column} : "' + text.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored bounce: one failed recipient of one message, with what it correlates to."""

    id: int
    """Row id, for ``log show ID``."""
    received: datetime
    """When the log received the bounce: the time it was ingested (UTC). Date ranges and retention use it."""
    bounce_date: datetime
    """The bounce's own date: its Date header, else the file's mtime, else the ingest time (UTC).
    Suppression scoring counts days on it."""
    bounce_date_from: str
    """Where ``bounce_date`` came from: ``date``, ``mtime`` or ``ingest``."""
    recipient: str
    """The failed recipient (from the bounce, else decoded from a VERP return path)."""
    action: str | None
    status: str | None
    """Enhanced status code as seen in the bounce."""
    reply_code: str | None
    group: Group
    hard: bool
    diagnostic: str
    """The full response message of the remote server."""
    remote_mta: str | None
    rule: str | None
    command: str | None
    format: str | None
    reporting_mta: str | None
    subject: str | None
    """Subject of the bounce itself."""
    original_message_id: str | None
    original_from: str | None
    original_to: str | None
    original_subject: str | None
    original_return_path: str | None
    verp_recipient: str | None
    """The recipient a VERP return path encodes, when the message used one."""
    headers: tuple[tuple[str, str], ...]
    """Correlation headers of the sent message quoted in the bounce (``X-Campaign-ID``...)."""
    previously_suppressed: bool
    """The address was already on the suppression list when this bounce came in."""
    source: str | None
    source_index: int | None
    message_hash: str
    ingested_at: datetime

    @property
    def sender(self) -> str | None:
        """The address part of the original From header."""
        if not self.original_from:
            return None
        return email.utils.parseaddr(self.original_from)[1] or self.original_from

    @property
    def outcome(self) -> str:
        """``bounced``, ``rejected``, ``delayed``, ``suppressed``, ``complained`` (see ``docs/log.md``)."""
        return _vocab.outcome(self.action, self.group, self.hard, self.diagnostic)

    @property
    def category(self) -> str | None:
        """``HARD_BOUNCE``, ``SOFT_BOUNCE``, ``SUPPRESSED``, ``PREVIOUSLY_BOUNCED`` or ``COMPLAINT``."""
        return _vocab.category(self.action, self.group, self.hard, self.diagnostic,
                               previously_suppressed=self.previously_suppressed)

    @property
    def event(self) -> str:
        """``Deferred``, ``Bounce``, ``Dropped`` or ``Spam Report``."""
        return _vocab.event(self.action, self.group, self.hard, self.diagnostic)

    def csv_row(self) -> list[str]:
        """The row of the CSV export: received, status, from, to, message ID, error."""
        return [_utc_text(self.received), self.outcome, self.sender or "", self.recipient,
                self.original_message_id or "", self.diagnostic]

    def to_dict(self) -> dict[str, Any]:
        """A new plain dict: the fields (dates as ISO 8601 text) and the three status words."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = _utc_text(value)
            elif isinstance(value, Group):
                value = value.value
            elif f.name == "headers":
                value = dict(value)
            out[f.name] = value
        out["outcome"], out["category"], out["event"] = self.outcome, self.category, self.event
        return out


@dataclass(frozen=True, slots=True)
class Suppression:
    """One address on (or once on) the suppression list."""

    address: str
    suppressed: bool
    """True while it is on the list; False once marked valid."""
    cause: str
    """``hard``, ``complaint``, ``soft`` or ``manual``."""
    reason: str
    """Why, as a sentence."""
    since: datetime
    """When it was (last) put on the list: the date of the bounce that put it there (its own date,
    ``Entry.bounce_date``), or the time it was added by hand."""
    bounce_id: int | None
    """The log entry that put it there."""
    valid_since: datetime | None
    """When it was last marked valid."""
    times: int
    """How many times it has been put on the list."""

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "suppressed": self.suppressed, "cause": self.cause,
                "reason": self.reason, "since": _utc_text(self.since), "bounce_id": self.bounce_id,
                "valid_since": _utc_text(self.valid_since) if self.valid_since else None, "times": self.times}


@dataclass(slots=True)
class IngestStats:
    """What an ingest did. Messages and records are counted separately."""

    messages: int = 0
    """Messages read."""
    new_messages: int = 0
    """Messages stored for the first time."""
    known_messages: int = 0
    """Messages already in the log (skipped without parsing)."""
    unreadable: int = 0
    """Messages or files that could not be read."""
    not_bounces: int = 0
    """Messages that are not bounces (stored as seen, no records)."""
    records: int = 0
    """Failed-recipient records added."""
    duplicate_records: int = 0
    """Records already in the log."""
    not_failures: int = 0
    """Recipients reported delivered or auto-replying: stored apart (``failures_only=False`` finds them)."""
    no_recipient: int = 0
    """Failures for which neither the bounce nor a VERP return path named a recipient."""
    suppressed: int = 0
    """Addresses put on the suppression list by this ingest."""
    failed_paths: list[str] = field(default_factory=list)
    """Paths that could not be read at all."""

    def summary(self) -> str:
        return (f"{self.messages} messages read: {self.new_messages} new, {self.known_messages} already in the log, "
                f"{self.not_bounces} not bounces, {self.unreadable} unreadable; "
                f"{self.records} records added, {self.duplicate_records} already present, "
                f"{self.not_failures} delivered/auto-reply kept apart, {self.no_recipient} without recipient; "
                f"{self.suppressed} addresses suppressed.")


_ENTRY_SQL = """
SELECT b.id, b.received, m.bounce_date_from, b.recipient, b.action, b.status, b.reply_code, b.grp, b.hard,
       b.diagnostic, b.remote_mta, b.rule, b.command, m.format, m.reporting_mta, m.subject,
       m.orig_message_id, m.orig_from, m.orig_to, m.orig_subject, m.orig_return_path, b.verp_recipient,
       m.orig_headers, b.prior_suppressed, m.source, m.source_index, m.hash, m.ingested_at,
       coalesce(b.bounce_date, b.received)
FROM bounces b JOIN messages m ON m.hash = b.message_hash
"""


def _entry(row: Sequence[Any]) -> Entry:
    try:
        group = Group(row[7])
    except ValueError:
        group = Group.UNDEFINED
    return Entry(
        id=row[0], received=_from_text(row[1]), bounce_date=_from_text(row[28]), bounce_date_from=row[2],
        recipient=row[3], action=row[4],
        status=row[5], reply_code=row[6], group=group, hard=bool(row[8]), diagnostic=row[9],
        remote_mta=row[10], rule=row[11], command=row[12], format=row[13], reporting_mta=row[14],
        subject=row[15], original_message_id=row[16], original_from=row[17], original_to=row[18],
        original_subject=row[19], original_return_path=row[20], verp_recipient=row[21],
        headers=tuple(json.loads(row[22] or "{}").items()), previously_suppressed=bool(row[23]),
        source=row[24], source_index=row[25], message_hash=row[26], ingested_at=_from_text(row[27]),
    )


def _suppression(row: Sequence[Any]) -> Suppression:
    return Suppression(address=row[0], suppressed=row[1] == "suppressed", cause=row[2], reason=row[3],
                       since=_from_text(row[4]), bounce_id=row[5],
                       valid_since=_from_text(row[6]) if row[6] else None, times=row[7])


_SUPPRESSION_SQL = "SELECT address, state, cause, reason, since, bounce_id, valid_since, times FROM suppression"


def _address(address: str) -> str:
    text = address.strip()
    if "<" in text:
        text = email.utils.parseaddr(text)[1] or text
    return text.strip("<> ").lower()


class BounceLog:
    """A bounce log in one SQLite file (created, or migrated to the current schema, on open).

        >>> with BounceLog(":memory:") as log:
        ...     log.count()
        0

    ``policy`` is the suppression policy applied at ingest; ``correlation_headers`` the headers
    of sent messages kept when a bounce quotes them. ``timeout`` is how long (seconds) a writer
    waits for another one to finish.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, /, *,
                 policy: SuppressionPolicy = DEFAULT_POLICY,
                 correlation_headers: Iterable[str] = DEFAULT_CORRELATION_HEADERS,
                 timeout: float = 60.0) -> None:
        self.path = os.fspath(path) if path is not None else default_db_path()
        self.policy = policy
        self.correlation_headers = tuple(correlation_headers)
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                         check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn)
        except SchemaError as exc:
            raise LogError(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            raise LogError(f"{self.path} cannot be used as a bounce log: {exc}.") from None
        self._fts = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'bounces_fts'").fetchone() is not None

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> BounceLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection (autocommit mode), for queries of your own."""
        return self._conn

    # -- ingest ---------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | os.PathLike[str]], /, *, rules: RuleSet | None = None,
               progress: Callable[[IngestStats], None] | None = None, now: datetime | None = None,
               batch_size: int = 500) -> IngestStats:
        """Classify every message under ``paths`` and store its failed recipients.

        Idempotent: a message already in the log (same bytes, line ends aside) is skipped, and a
        (message, recipient) pair is stored once even when two processes ingest it at once.
        ``progress`` is called with the running counts after each batch.
        """
        stats = IngestStats()
        pending: list[tuple[str, str, int, float | None, Report]] = []
        seen: set[str] = set()
        for path in paths:
            path = os.fspath(path)
            try:
                for raw in iter_paths(path):
                    stats.messages += 1
                    if raw.error is not None:
                        stats.unreadable += 1
                        continue
                    digest = _digest(raw.data)
                    if digest in seen or self._known(digest):
                        stats.known_messages += 1
                        continue
                    seen.add(digest)
                    report = parse(raw.data, rules=rules, original_headers=self.correlation_headers)
                    pending.append((digest, raw.source, raw.index, None, report))
                    if len(pending) >= batch_size:
                        self._store(pending, stats, now)
                        pending.clear()
                        seen.clear()
                        if progress is not None:
                            progress(stats)
            except SourceError:
                stats.failed_paths.append(path)
                stats.unreadable += 1
        if pending:
            self._store(pending, stats, now)
        if progress is not None:
            progress(stats)
        return stats

    def ingest_message(self, data: bytes, /, *, source: str | None = None, index: int = 0,
                       mtime: float | None = None, rules: RuleSet | None = None,
                       now: datetime | None = None) -> IngestStats:
        """Classify one raw message and store its failed recipients (see :meth:`ingest`)."""
        stats = IngestStats(messages=1)
        digest = _digest(data)
        if self._known(digest):
            stats.known_messages += 1
            return stats
        report = parse(data, rules=rules, original_headers=self.correlation_headers)
        self._store([(digest, source or "", index, mtime, report)], stats, now)
        return stats

    def _known(self, digest: str) -> bool:
        return self._conn.execute("SELECT 1 FROM messages WHERE hash = ?", (digest,)).fetchone() is not None

    def _store(self, pending: Sequence[tuple[str, str, int, float | None, Report]], stats: IngestStats,
               now: datetime | None) -> None:
        ingested = _utc_text(_now(now))
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for digest, source, index, mtime, report in pending:
                received = ingested
                if report.date is not None:
                    bounce_date, bounce_date_from = _utc_text(report.date), "date"
                elif mtime is not None or (mtime := _mtime(source)) is not None:
                    bounce_date, bounce_date_from = _utc_text(datetime.fromtimestamp(mtime, timezone.utc)), "mtime"
                else:
                    bounce_date, bounce_date_from = ingested, "ingest"
                headers: dict[str, str] = {}
                for name, value in report.original_headers:
                    headers.setdefault(name, value)
                cur = conn.execute(
                    "INSERT OR IGNORE INTO messages (hash, received, bounce_date, bounce_date_from, ingested_at, "
                    "source, source_index, is_bounce, format, reporting_mta, subject, envelope_to, orig_message_id, "
                    "orig_from, orig_to, orig_subject, orig_return_path, orig_headers, errors) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (digest, received, bounce_date, bounce_date_from, ingested, source, index, int(report.is_bounce),
                     report.format, report.reporting_mta, report.subject, report.envelope_to,
                     report.original_message_id, report.original_from, report.original_to,
                     report.original_subject, report.original_return_path,
                     json.dumps(headers, ensure_ascii=False), " ".join(report.errors) or None))
                if cur.rowcount == 0:  # another process stored it since we looked
                    stats.known_messages += 1
                    continue
                stats.new_messages += 1
                if not report.is_bounce:
                    stats.not_bounces += 1
                    continue
                verp = decode_verp(report.original_return_path) or decode_verp(report.envelope_to)
                # Failures first: a (message, recipient) pair is stored once, and a failure beats a
                # success notice for the same recipient in the same message.
                for d in sorted(report.deliveries, key=lambda d: not _is_failure(d.group, d.action)):
                    failure = _is_failure(d.group, d.action)
                    recipient = d.recipient or verp
                    if not failure:
                        stats.not_failures += 1
                    elif not recipient:
                        stats.no_recipient += 1
                    if not recipient:
                        continue
                    recipient_lc = recipient.lower()
                    prior = failure and self._suppressed_before(recipient_lc, bounce_date)
                    cur = conn.execute(
                        "INSERT OR IGNORE INTO bounces (message_hash, recipient, recipient_lc, verp_recipient, "
                        "received, bounce_date, action, status, reply_code, grp, hard, diagnostic, diagnostic_lc, "
                        "remote_mta, rule, command, prior_suppressed, failure) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (digest, recipient, recipient_lc, verp, received, bounce_date, d.action, d.status, d.reply_code,
                         d.group.value, int(d.hard), d.diagnostic or "", (d.diagnostic or "").lower(),
                         d.remote_mta, d.rule, d.command, int(prior), int(failure)))
                    if not failure:
                        continue
                    if cur.rowcount == 0:
                        stats.duplicate_records += 1
                        continue
                    stats.records += 1
                    if self._apply_policy(cur.lastrowid, recipient_lc, bounce_date, d.action, d.group, d.hard,
                                          d.status or d.reply_code, d.diagnostic, ingested):
                        stats.suppressed += 1
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- suppression ----------------------------------------------------------------------------

    # The policy runs on the bounces' own dates (``bounce_date``), not on when they were ingested:
    # replaying an archive of a month of bounces in one go must count the days they span, not one
    # ingest day, and a bounce dated before an address was marked valid must not put it back.

    def _suppressed_before(self, address: str, bounce_date: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM suppression WHERE address = ? AND state = 'suppressed' "
                                 "AND since < ?", (address, bounce_date)).fetchone()
        return row is not None

    def _apply_policy(self, bounce_id: int | None, address: str, bounce_date: str, action: str | None,
                      group: Group, hard: bool, code: str | None, diagnostic: str, now_text: str) -> bool:
        """Update the suppression list for one new bounce; True when the address was put on it."""
        if group is Group.FEEDBACK:
            kind = "complaint"
        elif action == "delayed":
            return False
        else:
            kind = "hard" if hard else "soft"
        row = self._conn.execute("SELECT state, valid_since FROM suppression WHERE address = ?",
                                 (address,)).fetchone()
        if row is not None and row[0] == "suppressed":
            return False
        valid_since = row[1] if row is not None else None
        if valid_since is not None and bounce_date <= valid_since:
            return False  # a failure from before the address was marked valid
        day = bounce_date[:10]
        score = 0
        if kind == "soft":
            as_of = date.fromisoformat(day)
            start = as_of - timedelta(days=self.policy.soft_window_days)
            days = [date.fromisoformat(r[0]) for r in self._conn.execute(
                "SELECT DISTINCT substr(bounce_date, 1, 10) FROM bounces WHERE recipient_lc = ? AND hard = 0 "
                "AND grp != 'feedback' AND failure = 1 AND (action IS NULL OR action = 'failed') AND bounce_date > ? "
                "AND bounce_date < ?", (address, f"{start.isoformat()}T23:59:59Z", f"{day}T23:59:60Z"))]
            score = soft_score(days, as_of=as_of, policy=self.policy,
                               since=date.fromisoformat(valid_since[:10]) if valid_since else None)
        if not decide(kind, score=score, policy=self.policy):
            return False
        what = f"{code} {group.value}" if code else group.value
        if kind == "hard":
            reason = f"Hard bounce on {day} ({what}): {_clip(diagnostic)}"
        elif kind == "complaint":
            reason = f"Complaint (abuse report) on {day}."
        else:
            reason = (f"Soft bounces on {score} days within {self.policy.soft_window_days} days up to {day} "
                      f"(latest: {what}): {_clip(diagnostic)}")
        if valid_since is not None:
            reason += f" Back on the list: it had been marked valid on {valid_since[:10]}."
        self._conn.execute(
            "INSERT INTO suppression (address, state, cause, reason, since, bounce_id, valid_since, times, "
            "updated_at) VALUES (?, 'suppressed', ?, ?, ?, ?, NULL, 1, ?) "
            "ON CONFLICT (address) DO UPDATE SET state = 'suppressed', cause = excluded.cause, "
            "reason = excluded.reason, since = excluded.since, bounce_id = excluded.bounce_id, "
            "times = suppression.times + 1, updated_at = excluded.updated_at, "
            "valid_since = suppression.valid_since",
            (address, kind, reason, bounce_date, bounce_id, now_text))
        return True

    def is_suppressed(self, address: str, /) -> tuple[bool, str]:
        """The send-time check: (True, why) when ``address`` is on the suppression list."""
        entry = self.suppression(address)
        if entry is None:
            return False, "Not on the suppression list."
        if entry.suppressed:
            return True, entry.reason
        assert entry.valid_since is not None
        return False, f"Marked valid on {_utc_text(entry.valid_since)[:10]} (was: {entry.reason})"

    def suppression(self, address: str, /) -> Suppression | None:
        """The suppression list entry of ``address`` (suppressed or marked valid), or None."""
        row = self._conn.execute(_SUPPRESSION_SQL + " WHERE address = ?", (_address(address),)).fetchone()
        return _suppression(row) if row else None

    def suppressed(self, *, include_valid: bool = False) -> list[Suppression]:
        """The suppression list, newest first (with ``include_valid``, also addresses marked valid)."""
        where = "" if include_valid else " WHERE state = 'suppressed'"
        return [_suppression(r) for r in self._conn.execute(_SUPPRESSION_SQL + where + " ORDER BY since DESC, address")]

    def unsuppress(self, address: str, /, *, now: datetime | None = None) -> bool:
        """Mark ``address`` as valid: off the list until it keeps failing. False if it was not on it."""
        cur = self._conn.execute("UPDATE suppression SET state = 'valid', valid_since = ?, updated_at = ? "
                                 "WHERE address = ? AND state = 'suppressed'",
                                 (_utc_text(_now(now)), _utc_text(_now(now)), _address(address)))
        return cur.rowcount > 0

    def suppress(self, address: str, /, *, reason: str = "Added by hand.", now: datetime | None = None) -> None:
        """Put ``address`` on the suppression list by hand."""
        when = _utc_text(_now(now))
        self._conn.execute(
            "INSERT INTO suppression (address, state, cause, reason, since, bounce_id, valid_since, times, "
            "updated_at) VALUES (?, 'suppressed', 'manual', ?, ?, NULL, NULL, 1, ?) "
            "ON CONFLICT (address) DO UPDATE SET state = 'suppressed', cause = 'manual', reason = excluded.reason, "
            "since = excluded.since, bounce_id = NULL, times = suppression.times + 1, updated_at = excluded.updated_at",
            (_address(address), reason, when, when))

    # -- search ---------------------------------------------------------------------------------

    def _where(self, start: date | str | None, end: date | str | None, error: str | None,
               group: str | Group | Iterable[str | Group] | None, to: str | None, hard: bool | None = None,
               failures_only: bool = True) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        first, last = _day(start, "start"), _day(end, "end")
        if first is not None and last is not None and first > last:
            raise LogError(f"The start date {first.isoformat()} is after the end date {last.isoformat()}.")
        if first is not None:
            clauses.append("b.received >= ?")
            params.append(f"{first.isoformat()}T00:00:00Z")
        if last is not None:
            clauses.append("b.received < ?")
            params.append(f"{(last + timedelta(days=1)).isoformat()}T00:00:00Z")
        if failures_only:
            clauses.append("b.failure = 1")
        if hard is not None:
            clauses.append("b.hard = ?")
            params.append(int(bool(hard)))
        if group:
            names = [group] if isinstance(group, (str, Group)) else list(group)
            values = []
            for name in names:
                try:
                    values.append(Group(str(name).strip().lower()).value)
                except ValueError:
                    raise LogError(f"{name!r} is not an error group; see docs/groups.md for the list.") from None
            clauses.append(f"b.grp IN ({', '.join('?' * len(values))})")
            params += values
        for column, text in (("recipient_lc", to), ("diagnostic_lc", error)):
            if not text:
                continue
            needle = text.lower()
            clauses.append(f"b.{column} LIKE ? ESCAPE '\\'")
            params.append(_like(needle))
            if self._fts and len(needle) >= 3:
                clauses.append("b.id IN (SELECT rowid FROM bounces_fts WHERE bounces_fts MATCH ?)")
                params.append(_fts_phrase(column, needle))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def search(self, *, start: date | str | None = None, end: date | str | None = None, error: str | None = None,
               group: str | Group | Iterable[str | Group] | None = None, to: str | None = None,
               hard: bool | None = None, failures_only: bool = True, order: str = "-received",
               limit: int | None = 50, page: int = 1) -> list[Entry]:
        """Entries matching every filter given, newest first, one page of ``limit``.

        ``start``/``end``: dates (``YYYY-MM-DD``, both included, UTC) of ``received``; ``error``:
        text in the diagnostic; ``group``: one group or several; ``to``: part of the recipient.
        Text filters are case-insensitive substrings (``%`` and ``_`` are plain characters).
        ``hard``: True for hard bounces only, False for soft ones only. ``failures_only=False``
        also returns the delivery reports and auto-replies the log keeps apart. ``order``: one of
        :data:`ORDERS` (``received``, ``recipient``, ``subject``, ``error``, ``group``), ``-``
        in front for descending; ties newest first.
        """
        return list(self.entries(start=start, end=end, error=error, group=group, to=to, hard=hard,
                                 failures_only=failures_only, order=order, limit=limit, page=page))

    def entries(self, *, start: date | str | None = None, end: date | str | None = None,
                error: str | None = None, group: str | Group | Iterable[str | Group] | None = None,
                to: str | None = None, hard: bool | None = None, failures_only: bool = True,
                order: str = "-received", limit: int | None = None, page: int = 1) -> Iterator[Entry]:
        """Like :meth:`search`, streaming, all pages by default."""
        where, params = self._where(start, end, error, group, to, hard, failures_only)
        descending = order.startswith("-")
        column = ORDERS.get(order.lstrip("-"))
        if column is None:
            raise LogError(f"{order!r} is not a sort order; use one of {', '.join(ORDERS)} (- in front: descending).")
        direction = "DESC" if descending else "ASC"
        sql = _ENTRY_SQL + where + f" ORDER BY {column} {direction}, b.received DESC, b.id DESC"
        if column == "b.received":
            sql = _ENTRY_SQL + where + f" ORDER BY b.received {direction}, b.id {direction}"
        if limit is not None:
            if limit < 1 or page < 1:
                raise LogError("The limit and the page must be at least 1.")
            sql += " LIMIT ? OFFSET ?"
            params += [limit, (page - 1) * limit]
        for row in self._conn.execute(sql, params):
            yield _entry(row)

    def count(self, *, start: date | str | None = None, end: date | str | None = None, error: str | None = None,
              group: str | Group | Iterable[str | Group] | None = None, to: str | None = None,
              hard: bool | None = None, failures_only: bool = True) -> int:
        """How many entries match (the filters of :meth:`search`)."""
        where, params = self._where(start, end, error, group, to, hard, failures_only)
        return int(self._conn.execute("SELECT count(*) FROM bounces b" + where, params).fetchone()[0])

    def count_by(self, key: str, /, *, start: date | str | None = None, end: date | str | None = None,
                 error: str | None = None, group: str | Group | Iterable[str | Group] | None = None,
                 to: str | None = None, hard: bool | None = None,
                 failures_only: bool = True) -> list[tuple[str, int]]:
        """How many entries match, per ``day`` (UTC day of ``received``, in date order) or per
        ``group`` (most first): a list of (day or group name, count), only those with entries."""
        where, params = self._where(start, end, error, group, to, hard, failures_only)
        if key == "day":
            sql = f"SELECT substr(b.received, 1, 10) AS k, count(*) FROM bounces b{where} GROUP BY k ORDER BY k"
        elif key == "group":
            sql = f"SELECT b.grp AS k, count(*) AS n FROM bounces b{where} GROUP BY k ORDER BY n DESC, k"
        else:
            raise LogError(f"{key!r} is not a way to count entries; use 'day' or 'group'.")
        return [(str(k), int(n)) for k, n in self._conn.execute(sql, params)]

    def get(self, entry_id: int, /) -> Entry | None:
        """The entry with this id, or None."""
        row = self._conn.execute(_ENTRY_SQL + " WHERE b.id = ?", (int(entry_id),)).fetchone()
        return _entry(row) if row else None

    def by_message_id(self, message_id: str, /) -> list[Entry]:
        """The entries of bounces about the sent message with this Message-ID."""
        mid = message_id.strip().strip("<>").strip()
        return [_entry(r) for r in self._conn.execute(
            _ENTRY_SQL + " WHERE m.orig_message_id = ? ORDER BY b.received DESC, b.id DESC", (mid,))]

    def export_csv(self, target: str | os.PathLike[str] | IO[str], /, **filters: Any) -> int:
        """Write the entries matching ``filters`` (those of :meth:`search`, no paging) as CSV.

        UTF-8, LF line ends, header ``received,status,from,to,message ID,error``. ``target`` is a
        path (``-`` for standard output) or an open text file. Returns the number of rows.
        """
        filters.pop("limit", None)
        filters.pop("page", None)
        filters.setdefault("order", "-received")
        if isinstance(target, (str, os.PathLike)) and os.fspath(target) != "-":
            with open(target, "w", encoding="utf-8", newline="") as fh:
                return self._write_csv(fh, filters)
        return self._write_csv(sys.stdout if isinstance(target, (str, os.PathLike)) else target, filters)

    def _write_csv(self, out: IO[str], filters: dict[str, Any]) -> int:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        n = 0
        for entry in self.entries(**filters):
            writer.writerow(entry.csv_row())
            n += 1
        return n

    # -- retention ------------------------------------------------------------------------------

    def prune(self, *, retention_days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None) -> int:
        """Delete entries (and messages) received more than ``retention_days`` ago; returns entries deleted.

        The suppression list is kept: it is the memory that outlives the log.
        """
        if retention_days < 0:
            raise LogError("The retention must be zero or more days.")
        cutoff = _utc_text(_now(now) - timedelta(days=retention_days))
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            removed = conn.execute("DELETE FROM bounces WHERE received < ?", (cutoff,)).rowcount
            conn.execute("DELETE FROM messages WHERE received < ? AND NOT EXISTS "
                         "(SELECT 1 FROM bounces b WHERE b.message_hash = messages.hash)", (cutoff,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return removed


def _is_failure(group: Group, action: str | None) -> bool:
    """A failure (stored as an entry searches return by default), not a success notice or auto-reply."""
    return group not in _NOT_FAILED_GROUPS and action not in _NOT_FAILED_ACTIONS


def _digest(data: bytes) -> str:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    return hashlib.sha256(data).hexdigest()


def _mtime(source: str) -> float | None:
    try:
        return os.stat(source).st_mtime if source and source != "-" else None
    except OSError:
        return None


def _clip(text: str, width: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"
