#!/usr/bin/env python3
"""Read a folder of bounces with bouncekit and with the installed Sisimai, and list where they differ.

A second opinion on mail that has no reference file (the flufl corpus, a user's own bounces):
each disagreement is a place to read the message, not a verdict; Sisimai has its own conventions
(docs/accuracy.md lists them). Sisimai is the Perl library (``apt-get install libsisimai-perl``),
run with ``delivered => 1, vacation => 1``; records are matched on (file, recipient).

    python scripts/compare_sisimai.py ../shared/corpus/flufl [--all]

Prints the disagreements (Sisimai's reason, our group, action, rule, diagnostic), the recipients
only one side found, and on the last line the agreement. A developer's measure, not an API.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from bouncekit.batch import classify_paths  # noqa: E402
from eval_rules import REASON_OF  # noqa: E402

# One JSON line per record Sisimai reads from each file named on the command line.
_SISIMAI = r"""
use Sisimai; use JSON::PP;
my $json = JSON::PP->new->canonical;
for my $file (@ARGV) {
    for my $r (@{ Sisimai->make($file, delivered => 1, vacation => 1) || [] }) {
        print $json->encode({file => $file, recipient => lc $r->recipient->address, reason => $r->reason}), "\n";
    }
}
"""


# The corpora's own files beside the samples.
_NOT_MAIL = {"README.md", "LICENSE", "expected.json", "expected.jsonl", "no_records.txt"}


def sisimai_records(files: list[str]) -> dict[tuple[str, str], str]:
    """(file, recipient) -> Sisimai's reason."""
    done = subprocess.run(["perl", "-e", _SISIMAI, *files], capture_output=True, check=True)
    out = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        rec = json.loads(line)
        out[(rec["file"], rec["recipient"])] = rec["reason"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", help="a folder of bounce files (one message a file)")
    ap.add_argument("--all", action="store_true", help="list the agreements too")
    args = ap.parse_args(argv)
    if not shutil.which("perl") or subprocess.run(["perl", "-MSisimai", "-e", "1"],
                                                  capture_output=True).returncode != 0:
        print("Sisimai is not installed (apt-get install libsisimai-perl): nothing to compare", file=sys.stderr)
        return 2
    files = sorted(str(p) for p in Path(args.folder).iterdir()
                   if p.is_file() and p.name not in _NOT_MAIL and not p.name.startswith("."))
    theirs = sisimai_records(files)
    group_of = {reason: group.value for group, reason in REASON_OF.items()}
    ours = {(r.source, (r.recipient or "").lower()): r for r in classify_paths(files, jobs=1) if r.recipient}
    agree = 0
    for key, reason in sorted(theirs.items()):
        rec = ours.get(key)
        if rec is None:
            print(f"only Sisimai: {key[0]} {key[1]} ({reason})")
            continue
        same = group_of.get(reason, reason) == rec.group
        agree += same
        if args.all or not same:
            print(f"{Path(key[0]).name:28} sisimai={reason:15} ours={rec.group:17} {rec.action:8} "
                  f"{rec.rule or '-':32} {(rec.diagnostic or '')[:90]!r}")
    for key, rec in sorted(ours.items()):
        if key not in theirs:
            print(f"only bouncekit: {key[0]} {key[1]} ({rec.group})")
    both = sum(1 for key in theirs if key in ours)
    print(f"agreement: {agree}/{both} records both found ({agree / max(both, 1):.3f}); "
          f"Sisimai {len(theirs)}, bouncekit {len(ours)} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
