"""The ``log``, ``suppression`` and ``codes`` subcommands of the ``bouncekit`` command line.

Kept apart from ``bouncekit/cli.py``, which only calls :func:`add_parsers` and :func:`run`.

Exit status: 0 done; 1 ``log show`` found no such entry, ``suppression check`` found the
address suppressed (so ``bouncekit suppression check "$rcpt" && send``), ``suppression remove``
found nothing to remove; 2 usage errors, bad dates or groups, unreadable paths or database.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from typing import TextIO

from ..codes import lookup
from ..rules import RuleError, load_rules
from ._policy import DEFAULT_POLICY, SuppressionPolicy
from ._store import (
    DEFAULT_CORRELATION_HEADERS,
    DEFAULT_RETENTION_DAYS,
    ORDERS,
    BounceLog,
    Entry,
    IngestStats,
    LogError,
    Suppression,
    default_db_path,
)

COMMANDS = frozenset({"log", "suppression", "codes"})

EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2

_SORTS = tuple(prefix + name for name in ORDERS for prefix in ("", "-"))


def _db_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="PATH", default=None,
                        help="the log's SQLite file (default: $BOUNCEKIT_DB, else ./bouncekit.db)")
    return parent


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day (UTC) the log received bounces, included")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day (UTC) the log received bounces, included")
    p.add_argument("--error", metavar="TEXT", help="text in the error (case-insensitive)")
    p.add_argument("--group", metavar="G", action="append", help="error group (repeatable: any of them)")
    p.add_argument("--to", metavar="PART", help="part of the recipient address (case-insensitive)")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--hard", dest="hard", action="store_const", const=True, default=None,
                      help="hard bounces only")
    kind.add_argument("--soft", dest="hard", action="store_const", const=False, help="soft bounces only")
    p.add_argument("--include-delivered", action="store_true",
                   help="also the delivery reports and auto-replies the log keeps apart")
    p.add_argument("--sort", metavar="ORDER", default="-received", choices=_SORTS,
                   help=f"one of {', '.join(ORDERS)}; '-' in front for descending (default -received)")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``log``, ``suppression`` and ``codes`` to the top-level subparsers."""
    db = _db_parent()
    log = sub.add_parser("log", help="the bounce log: ingest, search, show, export, prune")
    lsub = log.add_subparsers(dest="log_command", required=True)

    ingest = lsub.add_parser("ingest", parents=[db], help="classify the messages under PATH... and store them")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, mbox or Maildir; - for stdin")
    ingest.add_argument("--rules", action="append", default=[], metavar="FILE",
                        help="a TOML rule file whose rules run before the plugins and built-in ones (repeatable)")
    ingest.add_argument("--no-plugins", action="store_true",
                        help="leave out the rule plugins installed in this Python environment")
    ingest.add_argument("--header", action="append", default=[], metavar="NAME",
                        help="a further header of sent messages to keep for correlation (repeatable; "
                             f"always kept: {', '.join(DEFAULT_CORRELATION_HEADERS)})")
    ingest.add_argument("--soft-threshold", type=int, default=DEFAULT_POLICY.soft_threshold, metavar="N",
                        help=f"days with soft bounces that suppress an address (default {DEFAULT_POLICY.soft_threshold}; 0: never)")
    ingest.add_argument("--soft-window-days", type=int, default=DEFAULT_POLICY.soft_window_days, metavar="N",
                        help=f"window in which those days count (default {DEFAULT_POLICY.soft_window_days})")
    ingest.add_argument("--soft-reset-days", type=int, default=DEFAULT_POLICY.soft_reset_days, metavar="N",
                        help=f"quiet days that reset the score (default {DEFAULT_POLICY.soft_reset_days})")
    ingest.add_argument("--quiet", action="store_true", help="no progress and no summary")

    search = lsub.add_parser("search", parents=[db], help="list the entries matching the filters (newest first by default)")
    _filters(search)
    search.add_argument("--limit", type=int, default=50, metavar="N", help="entries per page (default 50)")
    search.add_argument("--page", type=int, default=1, metavar="P", help="page number, from 1")
    search.add_argument("--format", choices=("table", "jsonl"), default="table")

    show = lsub.add_parser("show", parents=[db], help="every detail of one entry")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--format", choices=("text", "json"), default="text")

    export = lsub.add_parser("export", parents=[db], help="write the matching entries as CSV")
    _filters(export)
    export.add_argument("--output", "-o", metavar="FILE.csv", default="-", help="output file (default: stdout)")

    prune = lsub.add_parser("prune", parents=[db], help="delete entries older than the retention period")
    prune.add_argument("--retention-days", type=int, default=DEFAULT_RETENTION_DAYS, metavar="N",
                       help=f"keep this many days (default {DEFAULT_RETENTION_DAYS})")

    # Short forms of the suppression commands, under `log` too.
    lsub.add_parser("suppressed", parents=[db], help="same as `suppression list`")
    lcheck = lsub.add_parser("check", parents=[db], help="same as `suppression check`")
    lcheck.add_argument("address", metavar="ADDRESS")
    lun = lsub.add_parser("unsuppress", parents=[db], help="same as `suppression remove`")
    lun.add_argument("address", metavar="ADDRESS")

    sup = sub.add_parser("suppression", help="the suppression list: list, check, remove, add")
    ssub = sup.add_subparsers(dest="suppression_command", required=True)
    slist = ssub.add_parser("list", parents=[db], help="the suppressed addresses, newest first")
    slist.add_argument("--all", action="store_true", help="also the addresses marked valid")
    slist.add_argument("--format", choices=("table", "jsonl"), default="table")
    scheck = ssub.add_parser("check", parents=[db], help="is ADDRESS suppressed, and why (exit 1 if it is)")
    scheck.add_argument("address", metavar="ADDRESS")
    sremove = ssub.add_parser("remove", parents=[db], help="mark ADDRESS as valid (back on if it keeps failing)")
    sremove.add_argument("address", metavar="ADDRESS")
    sadd = ssub.add_parser("add", parents=[db], help="put ADDRESS on the list by hand")
    sadd.add_argument("address", metavar="ADDRESS")
    sadd.add_argument("--reason", default="Added by hand.")

    codes = sub.add_parser("codes", help="describe SMTP reply codes and enhanced status codes")
    codes.add_argument("codes", nargs="+", metavar="CODE", help="e.g. 550 5.1.1 4.7.0")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run a ``log``, ``suppression`` or ``codes`` command."""
    if args.command == "codes":
        return _codes(args.codes, out, err)
    try:
        if args.command == "log" and args.log_command == "ingest":
            return _ingest(args, out, err)
        with BounceLog(args.db or default_db_path()) as log:
            if args.command == "log":
                return _log(log, args, out, err)
            return _suppression(log, args.suppression_command, args, out)
    except LogError as exc:
        err.write(f"bouncekit: {exc}\n")
        return EXIT_USAGE


def _codes(codes: Sequence[str], out: TextIO, err: TextIO) -> int:
    status = EXIT_OK
    for code in codes:
        try:
            info = lookup(code)
        except ValueError as exc:
            err.write(f"bouncekit: {exc}\n")
            status = EXIT_USAGE
            continue
        source = info.source or "not registered"
        out.write(f"{info.code}  {info.title} ({info.outcome}; {source})\n    {info.text}\n")
    return status


def _ingest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        rules = load_rules(args.rules, plugins=not args.no_plugins)
        policy = SuppressionPolicy(soft_threshold=args.soft_threshold, soft_window_days=args.soft_window_days,
                                   soft_reset_days=args.soft_reset_days)
    except (RuleError, OSError, ValueError) as exc:
        for problem in str(exc).splitlines():
            err.write(f"bouncekit: {problem}\n")
        return EXIT_USAGE
    headers = tuple(dict.fromkeys([*DEFAULT_CORRELATION_HEADERS, *args.header]))
    show_progress = not args.quiet and err.isatty()

    def progress(stats: IngestStats) -> None:
        if show_progress:
            err.write(f"\r{stats.messages} messages read, {stats.records} records added…")
            err.flush()

    with BounceLog(args.db or default_db_path(), policy=policy, correlation_headers=headers) as log:
        stats = log.ingest(args.paths, rules=rules, progress=progress)
        total = log.count()
    if show_progress:
        err.write("\n")
    for path in stats.failed_paths:
        err.write(f"bouncekit: cannot read {path}.\n")
    if not args.quiet:
        out.write(f"{stats.summary()}\n{total} records in {log.path}.\n")
    return EXIT_USAGE if stats.failed_paths else EXIT_OK


def _log(log: BounceLog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    cmd = args.log_command
    if cmd in ("search", "export"):
        filters = dict(start=args.start, end=args.end, error=args.error, group=args.group, to=args.to,
                       hard=args.hard, failures_only=not args.include_delivered)
        if cmd == "export":
            n = log.export_csv(args.output, **filters, order=args.sort)
            if args.output != "-":
                err.write(f"{n} records written to {args.output}.\n")
            return EXIT_OK
        entries = log.search(**filters, order=args.sort, limit=args.limit, page=args.page)
        if args.format == "jsonl":
            for entry in entries:
                out.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
        else:
            total = log.count(**filters)
            _table(entries, out)
            pages = max(1, -(-total // args.limit))
            out.write(f"-- page {args.page} of {pages}, {total} matching records\n")
        return EXIT_OK
    if cmd == "show":
        entry = log.get(args.id)
        if entry is None:
            err.write(f"bouncekit: no entry {args.id} in {log.path}.\n")
            return EXIT_NO
        if args.format == "json":
            out.write(json.dumps(entry.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            _detail(entry, out)
        return EXIT_OK
    if cmd == "prune":
        n = log.prune(retention_days=args.retention_days)
        out.write(f"{n} records older than {args.retention_days} days deleted; {log.count()} left.\n")
        return EXIT_OK
    alias = {"suppressed": "list", "check": "check", "unsuppress": "remove"}[cmd]
    if alias == "list":
        args.all, args.format = False, "table"
    return _suppression(log, alias, args, out)


def _suppression(log: BounceLog, cmd: str, args: argparse.Namespace, out: TextIO) -> int:
    if cmd == "list":
        rows = log.suppressed(include_valid=args.all)
        if args.format == "jsonl":
            for row in rows:
                out.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
        else:
            _suppression_table(rows, out)
        return EXIT_OK
    if cmd == "check":
        suppressed, reason = log.is_suppressed(args.address)
        out.write(f"{'suppressed' if suppressed else 'ok'}: {args.address}: {reason}\n")
        return EXIT_NO if suppressed else EXIT_OK
    if cmd == "remove":
        if log.unsuppress(args.address):
            out.write(f"{args.address} marked valid; it goes back on the list if it keeps failing.\n")
            return EXIT_OK
        out.write(f"{args.address} is not on the suppression list.\n")
        return EXIT_NO
    log.suppress(args.address, reason=args.reason)
    out.write(f"{args.address} suppressed.\n")
    return EXIT_OK


def _clip(text: object, width: int) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= width else s[: width - 1] + "…"


def _table(entries: Sequence[Entry], out: TextIO) -> None:
    width = shutil.get_terminal_size((140, 24)).columns
    cols = (("id", 6), ("received", 16), ("to", 30), ("subject", 24), ("group", 16))
    rest = max(20, width - sum(w + 1 for _, w in cols) - 1)
    out.write(" ".join(f"{n:<{w}}" for n, w in cols) + " error\n")
    for e in entries:
        cells = (e.id, e.received.strftime("%Y-%m-%d %H:%M"), e.recipient, e.original_subject or "",
                 e.group.value)
        out.write(" ".join(f"{_clip(c, w):<{w}}" for c, (_, w) in zip(cells, cols)) + " " + _clip(e.diagnostic, rest) + "\n")


_DATE_FROM = {"date": "its Date header", "mtime": "the file's modification time", "ingest": "no date: ingest time"}


def _detail(e: Entry, out: TextIO) -> None:
    def line(name: str, value: object) -> None:
        if value not in (None, ""):
            out.write(f"{name + ':':<20} {value}\n")

    line("id", e.id)
    line("received", f"{e.received:%Y-%m-%d %H:%M:%S} UTC (when the log received it)")
    line("bounce date", f"{e.bounce_date:%Y-%m-%d %H:%M:%S} UTC ({_DATE_FROM.get(e.bounce_date_from, e.bounce_date_from)})")
    line("status", f"{e.outcome} / {e.category} / {e.event}")
    line("sender", e.original_from)
    line("return-path", e.original_return_path)
    line("destination", e.recipient)
    line("verp recipient", e.verp_recipient)
    line("to (header)", e.original_to)
    line("subject", e.original_subject)
    line("message-id", e.original_message_id)
    for name, value in e.headers:
        line(name, value)
    line("group", f"{e.group.value} ({'hard' if e.hard else 'soft'}; rule {e.rule})")
    line("action", e.action)
    for code in (e.reply_code, e.status):
        if code:
            try:
                info = lookup(code)
                line("code " + code, f"{info.title} ({info.outcome})")
            except ValueError:
                line("code " + code, "")
    line("remote mta", e.remote_mta)
    line("reporting mta", e.reporting_mta)
    line("bounce subject", e.subject)
    line("source", f"{e.source}#{e.source_index}" if e.source else None)
    line("previously suppressed", "yes" if e.previously_suppressed else None)
    out.write("response:\n")
    for text_line in (e.diagnostic or "(none)").splitlines() or ["(none)"]:
        out.write(f"    {text_line}\n")


def _suppression_table(rows: Sequence[Suppression], out: TextIO) -> None:
    out.write(f"{'address':<40} {'state':<10} {'cause':<9} {'since':<10} reason\n")
    for r in rows:
        state = "suppressed" if r.suppressed else "valid"
        out.write(f"{_clip(r.address, 40):<40} {state:<10} {r.cause:<9} {r.since:%Y-%m-%d} {_clip(r.reason, 100)}\n")
    out.write(f"-- {len(rows)} addresses\n")


__all__ = ["COMMANDS", "add_parsers", "run"]
