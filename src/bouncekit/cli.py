"""The ``bouncekit`` command line.

Exit status: 0 when the run completed (some messages may be "not a bounce" or error rows);
2 for usage errors and for paths that could not be read (named on stderr, after the rest
was processed).
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

from . import __version__
from .batch import COLUMNS, Record, classify_paths
from .rules import RuleError, RuleSet
from .summary import Summary

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bouncekit", description="Read bounce mail; say what failed and why.")
    parser.add_argument("--version", action="version", version=f"bouncekit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    classify = sub.add_parser("classify", help="classify the messages under PATH... (files, dirs, mbox, Maildir, -)")
    classify.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, mbox or Maildir; - for stdin")
    classify.add_argument("--format", choices=("jsonl", "csv", "table"), default="table",
                          help="output format (default: table)")
    classify.add_argument("--rules", action="append", default=[], metavar="FILE",
                          help="a TOML rule file whose rules run before the built-in ones (repeatable)")
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
    return parser


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU) or more")
    return value


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


def _load_rules(files: Sequence[str]) -> RuleSet | None:
    if not files:
        return None
    user = RuleSet()
    for path in files:
        user = user + RuleSet.from_file(path)
    return RuleSet.builtin().with_user_rules(user)


def run_classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        rules = _load_rules(args.rules)
    except (RuleError, OSError) as exc:
        err.write(f"bouncekit: {exc}\n")
        return EXIT_USAGE
    failed_paths: list[str] = []

    def on_path_error(path: str, message: str) -> None:
        failed_paths.append(path)
        err.write(f"bouncekit: {message}\n")

    want_summary = args.summary or args.summary_format is not None
    target: TextIO | None = out
    if args.output:
        try:
            target = open(args.output, "w", encoding="utf-8", newline="")
        except OSError as exc:
            err.write(f"bouncekit: Cannot write {args.output}: {exc.strerror or exc}.\n")
            return EXIT_USAGE
    elif want_summary:
        target = None  # the summary alone goes to stdout
    bar = _progress_bar(err) if args.progress else None
    try:
        records: Iterable[Record] = classify_paths(
            args.paths, jobs=args.jobs, rules=rules, stdin_mbox=args.mbox, on_path_error=on_path_error,
            progress=bar.update if bar is not None else None)
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
    finally:
        if bar is not None:
            bar.close()
        if args.output and target is not None:
            target.close()
    if summary is not None:
        out.write(summary.to_json() + "\n" if args.summary_format == "json" else summary.to_table())
        out.flush()
    return EXIT_USAGE if failed_paths else EXIT_OK


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
    if args.command == "classify":
        try:
            return run_classify(args, out, err)
        except BrokenPipeError:  # `bouncekit classify ... | head`
            return EXIT_OK
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def entry_point() -> None:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    raise SystemExit(main())


if __name__ == "__main__":
    entry_point()
