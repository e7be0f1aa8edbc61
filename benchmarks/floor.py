#!/usr/bin/env python3
"""What a message costs before any format is recognised, against the time 3x Sisimai allows.

    python benchmarks/floor.py [MBOX] [--messages N]

Times, in this process and per message of an mbox (default: the benchmark's, built by
``benchmarks/batch.py --keep /tmp/bench2``), the stages every bounce goes through whatever its
format, each best of several rounds of ``time.process_time``:

1. reading and splitting the mbox;
2. loading the message into its MIME tree (bouncekit's fast loader, which builds the tree the
   stdlib ``email`` parser would, several times faster than it);
3. the views every decoder reads: the decoded text parts, the explanation, the delivery-status
   fields, the returned message's headers;
4. the whole of ``parse()`` (recognising the format, extracting, classifying), for comparison;
5. writing one JSONL record.

With Sisimai installed it also times Sisimai on the same messages (a separate process, start-up
subtracted) and prints the budget a message has for bouncekit to be three times as fast. A
developer's measure of where the time goes, quoted in docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bouncekit import parse  # noqa: E402
from bouncekit.mail import Mail  # noqa: E402
from bouncekit.rules import RuleSet  # noqa: E402
from bouncekit.sources import iter_file  # noqa: E402

DEFAULT_MBOX = Path("/tmp/bench2/bench-20000.mbox")
SEPARATOR = b"From MAILER-DAEMON Thu Jan  1 00:00:00 2009\n"
SISIMAI = "use Sisimai; my $v = Sisimai->make($ARGV[0]); print scalar(@{$v || []}), qq{\\n};"


def best(work: Callable[[], object], rounds: int = 3) -> float:
    """The least CPU time of ``rounds`` runs of ``work``, in seconds."""
    least = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        work()
        least = min(least, time.process_time() - start)
    return least


def views(messages: list[bytes]) -> None:
    for data in messages:
        mail = Mail.from_bytes(data)
        mail.text_parts, mail.body, mail.status_blocks, mail.original_header("Message-ID")


def sisimai_seconds(path: Path, count: int) -> float | None:
    """Sisimai's CPU seconds for ``count`` messages: the run over them less a run over one."""
    if not shutil.which("perl") or subprocess.run(["perl", "-MSisimai", "-e", "1"],
                                                  capture_output=True).returncode != 0:
        return None

    def run(mbox: Path) -> float:
        start = time.perf_counter()
        subprocess.run(["perl", "-e", SISIMAI, str(mbox)], capture_output=True, check=True)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.mbox"
        one.write_bytes(SEPARATOR + next(iter_file(str(path))).data)
        return min(run(path) for _ in range(2)) - min(run(one) for _ in range(2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mbox", nargs="?", type=Path, default=DEFAULT_MBOX)
    ap.add_argument("--messages", type=int, default=4000)
    args = ap.parse_args()
    if not args.mbox.is_file():
        raise SystemExit(f"no mbox at {args.mbox} (python benchmarks/batch.py --keep /tmp/bench2 builds one)")
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.mbox"
        with open(sample, "wb") as fh:
            for raw in itertools.islice(iter_file(str(args.mbox)), args.messages):
                fh.write(SEPARATOR + re.sub(rb"(?m)^(>*From )", rb">\1", raw.data.rstrip(b"\n")) + b"\n\n")
        messages = [raw.data for raw in iter_file(str(sample))]
        count = len(messages)
        rules = RuleSet.builtin()
        for data in messages[:500]:  # warm up: lazily compiled patterns, first-use work
            parse(data, rules=rules)
        record = {"source": "x.mbox", "index": 1, "recipient": "a@example.org", "group": "unknown_user"}
        encode = json.JSONEncoder(ensure_ascii=False).encode
        stages = [
            ("read and split the mbox", best(lambda: list(iter_file(str(sample))))),
            ("load the MIME tree", best(lambda: [Mail.from_bytes(d).msg for d in messages])),
            ("load + the shared views", best(lambda: views(messages))),
            ("parse(): all of it", best(lambda: [parse(d, rules=rules) for d in messages])),
            ("one JSONL record", best(lambda: [encode(record) for _ in messages])),
        ]
        theirs = sisimai_seconds(sample, count)
    print(f"{count} messages of {args.mbox}")
    for name, seconds in stages:
        print(f"  {name:28} {seconds / count * 1e6:7.1f} µs a message")
    if theirs is not None:
        per = theirs / count * 1e6
        print(f"  {'Sisimai (whole run)':28} {per:7.1f} µs a message")
        floor = (stages[0][1] + stages[2][1] + stages[4][1]) / count * 1e6
        print(f"3x Sisimai leaves {per / 3:.1f} µs a message; reading, loading, the shared views and the output "
              f"alone take {floor:.1f} µs ({floor / (per / 3):.0%} of it)")
    else:
        print("Sisimai is not installed (apt-get install libsisimai-perl): no budget to compare with")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
