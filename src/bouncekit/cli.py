"""The ``bouncekit`` command line.

    bouncekit classify PATH... [--format jsonl|csv|table] [--rules FILE]... [--no-plugins]
    bouncekit explain MESSAGE... [--rules FILE]... [--no-plugins] [--color auto|always|never]
    bouncekit rules check FILE... [--no-plugins]
    bouncekit rules list [--rules FILE]... [--no-plugins] [--format table|jsonl]
    bouncekit log ... | suppression ... | codes ...     (bouncekit/log/_cli.py)
    bouncekit serve --db PATH [--host 127.0.0.1] [--port 8025] [--token T]   (bouncekit/web/_cli.py)

Exit status of ``classify``: 0 when every message was read and classified (some may be "not a
bounce", some files may be no mail at all: error lines, not failures); 1 when the run completed
but some messages failed: their lines have ``error`` set (unreadable, cut by a limit, over the
time budget, lost with a worker process); 2 for usage
errors, for rule files or plugins that do not load (checked before any mail is read) and for
paths that could not be read (named on stderr, after the rest was processed). 2 wins over 1.

``--output FILE`` is written as ``FILE.partial`` and renamed to ``FILE`` when the run completes:
``FILE`` is never a silently truncated file; after a crash or an interruption the records so far
are in ``FILE.partial``, which says by its name that it is incomplete.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

import os

from . import __version__, load_rules, parse
from .batch import COLUMNS, Record, classify_paths
from .limits import Limits
from .log import _cli as _log_cli
from .web import _cli as _web_cli
from .rules import RuleError, RuleSet, source_label
from .sources import NOT_MAIL, SourceError, iter_paths
from .summary import Summary

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bouncekit", description="Read bounce mail; say what failed and why.")
    parser.add_argument("--version", action="version", version=f"bouncekit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    classify = sub.add_parser("classify", help="classify the messages under PATH... (files, dirs, mbox, Maildir, -)")
    classify.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, mbox or Maildir; - for stdin")
    classify.add_argument("--format", choices=("jsonl", "csv", "table"), default="table",
                          help="output format (default: table)")
    _rule_options(classify)
    classify.add_argument("--jobs", "-j", type=_jobs, default=0, metavar="N",
                          help="worker processes (default: one per CPU; 1 runs in this process)")
    classify.add_argument("--output", "-o", metavar="FILE", help="write the records to FILE instead of stdout")
    classify.add_argument("--columns", type=_columns, metavar="COL,...",
                          help=f"columns (csv) or keys (jsonl) to write, in this order; default: all ({','.join(COLUMNS)})")
    classify.add_argument("--mbox", action="store_true", help="read - (stdin) as an mbox stream, not one message")
    classify.add_argument("--summary", action="store_true",
                          help="print counts (groups, hard/soft, formats, domains, top diagnostics) on stdout; "
                               "the records then go only to --output, if given")
    classify.add_argument("--summary-format", choices=("table", "json"), metavar="table|json",
                          help="format of the summary (default: table); implies --summary")
    classify.add_argument("--no-progress", dest="progress", action="store_false",
                          help="no progress bar, even when stderr is a terminal")
    defaults = Limits()
    classify.add_argument("--max-bytes", type=_limit(int), default=defaults.max_bytes, metavar="N",
                          help=f"bytes of a message read, the rest skipped (default {defaults.max_bytes}; 0: no limit)")
    classify.add_argument("--max-recipients", type=_limit(int), default=defaults.max_recipients, metavar="N",
                          help=f"recipients reported per message (default {defaults.max_recipients}; 0: no limit)")
    classify.add_argument("--time-budget", type=_limit(float), default=defaults.time_budget, metavar="SECONDS",
                          help=f"CPU seconds per message before it becomes an error line (default "
                               f"{defaults.time_budget:g}; 0: no limit); see docs/limits.md")

    explain = sub.add_parser("explain", help="show why each recipient of a message landed in its group")
    explain.add_argument("paths", nargs="+", metavar="MESSAGE", help="a message file, mbox or directory; - for stdin")
    _rule_options(explain)
    explain.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="highlight matched text with colour (default: when writing to a terminal)")

    rules = sub.add_parser("rules", help="check rule files, list the effective rule table")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    check = rules_sub.add_parser("check", help="validate rule files (exit 2 with the problems, 0 when fine)")
    check.add_argument("files", nargs="+", metavar="FILE", help="TOML rule file")
    check.add_argument("--no-plugins", action="store_true", help="check without the installed rule plugins")
    listing = rules_sub.add_parser("list", help="print the effective rule table in the order rules are tried")
    _rule_options(listing)
    listing.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    _log_cli.add_parsers(sub)  # log, suppression, codes
    _web_cli.add_parsers(sub)  # serve
    return parser


def _rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="FILE",
                        help="a TOML rule file whose rules run before the plugins and built-in ones (repeatable)")
    parser.add_argument("--no-plugins", action="store_true",
                        help="leave out the rule plugins installed in this Python environment")


def _non_negative(kind: type, text: str, zero_means: str) -> Any:
    """``text`` read as a ``kind`` (int or float) of 0 or more, or an argparse error saying why."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 ({zero_means}) or more")
    return value


def _jobs(text: str) -> int:
    return _non_negative(int, text, "one per CPU")


def _limit(kind: type) -> Any:
    def convert(text: str) -> Any:
        return _non_negative(kind, text, "no limit") or None
    return convert


def _columns(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in COLUMNS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown column(s) {', '.join(unknown) or '(none given)'}; "
                                         f"known: {', '.join(COLUMNS)}")
    return names


def write_jsonl(records: Iterable[Record], out: TextIO, columns: Sequence[str] = COLUMNS) -> None:
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    write = out.write
    for rec in records:
        write(dumps({name: getattr(rec, name) for name in columns}) + "\n")


def write_csv(records: Iterable[Record], out: TextIO, columns: Sequence[str] = COLUMNS) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for rec in records:
        writer.writerow(["" if v is None else v for v in (getattr(rec, name) for name in columns)])


_TABLE = (("message", 26), ("recipient", 28), ("group", 20), ("hard", 4), ("status", 7), ("reply", 5))


def write_table(records: Iterable[Record], out: TextIO, columns: Sequence[str] = COLUMNS) -> None:
    # On a terminal the diagnostic is cut to the screen width; into a pipe or file it is kept whole.
    fixed = sum(w + 1 for _, w in _TABLE)
    is_tty = hasattr(out, "isatty") and out.isatty()
    diag_width = max(20, shutil.get_terminal_size((120, 24)).columns - fixed - 1) if is_tty else 10**6
    out.write(" ".join(f"{name:<{w}}" for name, w in _TABLE) + " diagnostic\n")
    for rec in records:
        where = f"{rec.source}#{rec.index}"
        if len(where) > 26:
            where = "…" + where[-25:]
        if rec.error and not rec.recipient:
            cells = (where, "-", "(error)", "", "", "")
            diag = rec.error
        elif rec.recipient is None and rec.group is None:
            cells = (where, "-", "(not a bounce)", "", "", "")
            diag = ""
        else:
            cells = (where, rec.recipient or "-", rec.group or "", "yes" if rec.hard else "no",
                     rec.status or "", rec.reply_code or "")
            diag = rec.diagnostic or ""
        line = " ".join(f"{_clip(c, w):<{w}}" for c, (_, w) in zip(cells, _TABLE))
        out.write(f"{line} {_clip(diag, diag_width)}\n")


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _load_rules(files: Sequence[str], no_plugins: bool, err: TextIO) -> RuleSet | None:
    """The effective table, or None after writing every problem to ``err``."""
    try:
        return load_rules(files, plugins=not no_plugins)
    except RuleError as exc:
        for problem in str(exc).splitlines():
            err.write(f"bouncekit: {problem}\n")
        return None


def run_classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rules = _load_rules(args.rules, args.no_plugins, err)
    if rules is None:
        return EXIT_USAGE
    failed_paths: list[str] = []

    def on_path_error(path: str, message: str) -> None:
        failed_paths.append(path)
        err.write(f"bouncekit: {message}\n")

    want_summary = args.summary or args.summary_format is not None
    limits = Limits(max_bytes=args.max_bytes, max_recipients=args.max_recipients, time_budget=args.time_budget)
    target: TextIO | None = out
    partial: str | None = None  # written under this name, renamed to args.output when complete
    if args.output:
        partial = args.output if _special_file(args.output) else args.output + ".partial"
        try:
            target = open(partial, "w", encoding="utf-8", newline="")
        except OSError as exc:
            err.write(f"bouncekit: Cannot write {partial}: {exc.strerror or exc}.\n")
            return EXIT_USAGE
    elif want_summary:
        target = None  # the summary alone goes to stdout
    bar = _progress_bar(err) if args.progress else None
    failed_messages = 0
    complete = False

    def counted_failures(records: Iterable[Record]) -> Iterator[Record]:
        nonlocal failed_messages
        last = None
        for rec in records:
            # a file that is no mail at all (a .json next to the .eml) is an error line, not a failure
            if rec.error is not None and rec.error != NOT_MAIL and (rec.source, rec.index) != last:
                failed_messages += 1
                last = (rec.source, rec.index)
            yield rec

    try:
        records: Iterable[Record] = counted_failures(classify_paths(
            args.paths, jobs=args.jobs, rules=rules, stdin_mbox=args.mbox, on_path_error=on_path_error,
            progress=bar.update if bar is not None else None, limits=limits))
        summary = Summary() if want_summary else None
        if summary is not None:
            records = _counted(records, summary)
        if target is not None:
            writer = {"jsonl": write_jsonl, "csv": write_csv, "table": write_table}[args.format]
            writer(records, target, args.columns or COLUMNS)
            target.flush()
        else:
            for _ in records:
                pass
        complete = True
    finally:
        if bar is not None:
            bar.close()
        if args.output and target is not None:
            target.close()
            if partial != args.output:
                if complete:
                    os.replace(partial, args.output)
                else:
                    err.write(f"bouncekit: the run did not complete; the records so far are in {partial} "
                              f"(incomplete).\n")
    if summary is not None:
        out.write(summary.to_json() + "\n" if args.summary_format == "json" else summary.to_table())
        out.flush()
    if failed_paths:
        return EXIT_USAGE
    if failed_messages:
        err.write(f"bouncekit: {failed_messages} message{'s' if failed_messages > 1 else ''} "
                  f"failed or {'were' if failed_messages > 1 else 'was'} not read whole (see the error field).\n")
        return EXIT_FAILED
    return EXIT_OK


def _special_file(path: str) -> bool:
    """True for an existing file that is not a regular one (/dev/stdout, a FIFO): written in place."""
    import stat

    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def run_explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rules = _load_rules(args.rules, args.no_plugins, err)
    if rules is None:
        return EXIT_USAGE
    color = args.color == "always" or (args.color == "auto" and out.isatty())
    failed = False
    first = True
    for path in args.paths:
        try:
            for raw in iter_paths(path):
                if not first:
                    out.write("\n")
                first = False
                out.write(f"== {raw.source}#{raw.index}\n")
                if raw.error is not None:
                    out.write(f"Error: {raw.error}\n")
                    continue
                out.write(parse(raw.data, rules=rules).explain(color=color))
        except SourceError as exc:
            failed = True
            err.write(f"bouncekit: {exc}\n")
    out.flush()
    return EXIT_USAGE if failed else EXIT_OK


def _conditions_text(rule_conditions: dict[str, object]) -> str:
    parts = []
    for key, value in rule_conditions.items():
        text = "|".join(value) if isinstance(value, list) else str(value)
        parts.append(f"{key}={text!r}" if key in ("diagnostic", "remote_mta") else f"{key}={text}")
    return " ".join(parts)


def run_rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.rules_command == "check":
        rules = _load_rules(args.files, args.no_plugins, err)
        if rules is None:
            return EXIT_USAGE
        mine = sum(1 for r in rules if r.source_file in args.files)
        files = len(args.files)
        out.write(f"OK: {mine} rule{'s' if mine != 1 else ''} in {files} file{'s' if files != 1 else ''}; "
                  f"the effective table has {len(rules)} rules.\n")
        return EXIT_OK
    rules = _load_rules(args.rules, args.no_plugins, err)
    if rules is None:
        return EXIT_USAGE
    if args.format == "jsonl":
        for rule in rules:
            row = {"id": rule.id, "source": source_label(rule), "line": rule.line, "conditions": rule.conditions(),
                   "group": rule.group.value, "hard": rule.hard}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return EXIT_OK
    out.write(f"{'#':>4} {'id':<40} {'source':<30} {'outcome':<26} conditions\n")
    for number, rule in enumerate(rules, 1):
        source = source_label(rule) + (f":{rule.line}" if rule.line else "")
        hard = "policy" if rule.hard is None else "hard" if rule.hard else "soft"
        outcome = f"{rule.group.value} ({hard})"
        out.write(f"{number:>4} {rule.id:<40} {source:<30} {outcome:<26} {_conditions_text(rule.conditions())}\n")
    return EXIT_OK


def _counted(records: Iterable[Record], summary: Summary) -> Iterator[Record]:
    for rec in records:
        summary.add(rec)
        yield rec


def _progress_bar(err: TextIO) -> Any:
    """A tqdm bar on ``err`` when it is a terminal (messages, messages/s, elapsed); None otherwise."""
    isatty = getattr(err, "isatty", None)
    if isatty is None or not isatty():
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    # A terminal that reports no size (a fresh pty) would make tqdm draw nothing: fall back to 80x24.
    size = shutil.get_terminal_size((80, 24))
    return tqdm(unit=" msg", file=err, mininterval=0.2, desc="classified", leave=True,
                ncols=size.columns, nrows=size.lines)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    runner = {"classify": run_classify, "explain": run_explain, "rules": run_rules}.get(args.command)
    if runner is not None:
        try:
            return runner(args, out, err)
        except BrokenPipeError:  # `bouncekit classify ... | head`
            return EXIT_OK
    if args.command in _web_cli.COMMANDS:
        return _web_cli.run(args, out, err)
    if args.command in _log_cli.COMMANDS:
        try:
            return _log_cli.run(args, out, err)
        except BrokenPipeError:
            return EXIT_OK
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def entry_point() -> None:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    raise SystemExit(main())


if __name__ == "__main__":
    entry_point()
