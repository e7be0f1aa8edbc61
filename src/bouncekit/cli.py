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
from collections.abc import Iterable, Sequence
from typing import TextIO

from . import __version__
from .batch import COLUMNS, Record, classify_paths
from .log import _cli as _log_cli
from .rules import RuleError, RuleSet

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
    _log_cli.add_parsers(sub)  # log, suppression, codes
    return parser


def write_jsonl(records: Iterable[Record], out: TextIO) -> None:
    for rec in records:
        out.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")


def write_csv(records: Iterable[Record], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rec in records:
        writer.writerow(["" if v is None else v for v in rec.to_dict().values()])


_TABLE = (("message", 28), ("recipient", 30), ("group", 16), ("hard", 5), ("status", 7), ("reply", 5))


def write_table(records: Iterable[Record], out: TextIO) -> None:
    width = shutil.get_terminal_size((120, 24)).columns
    fixed = sum(w + 1 for _, w in _TABLE)
    diag_width = max(20, width - fixed - 1)
    out.write(" ".join(f"{name:<{w}}" for name, w in _TABLE) + " diagnostic\n")
    for rec in records:
        where = f"{rec.source}#{rec.index}"
        if len(where) > 28:
            where = "…" + where[-27:]
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

    records = classify_paths(args.paths, rules=rules, on_path_error=on_path_error)
    writer = {"jsonl": write_jsonl, "csv": write_csv, "table": write_table}[args.format]
    writer(records, out)
    out.flush()
    return EXIT_USAGE if failed_paths else EXIT_OK


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
