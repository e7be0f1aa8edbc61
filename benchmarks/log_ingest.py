"""Ingest throughput of the bounce log against classification alone.

    python benchmarks/log_ingest.py [--corpus ../shared/corpus/sisimai] [--messages 20000]

Copies the corpus's messages, round robin, into a temporary directory until there are
``--messages`` files, each copy made unique by one extra header line (so the log stores every
copy instead of skipping repeats), then times, in this process and on the same files:

1. ``classify``: ``bouncekit.classify_paths`` over the directory, every record consumed;
2. ``ingest``: ``BounceLog.ingest`` of the directory into a fresh SQLite file.

and prints messages per second and the ratio ingest / classify (the target is at most 1.5).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import bouncekit
from bouncekit.log import BounceLog

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus", "sisimai")


def build(corpus: str, n: int, into: str) -> int:
    samples = [data for data in bouncekit.iter_messages(corpus)]
    if not samples:
        raise SystemExit(f"no messages under {corpus}")
    for i in range(n):
        data = samples[i % len(samples)]
        with open(os.path.join(into, f"{i:06d}.eml"), "wb") as fh:
            fh.write(b"X-Bench-Copy: %d\n" % i + data)
    return len(samples)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--messages", type=int, default=20000)
    args = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix="bouncekit-bench-")
    try:
        mail = os.path.join(work, "mail")
        os.mkdir(mail)
        distinct = build(args.corpus, args.messages, mail)
        print(f"{args.messages} messages ({distinct} distinct samples from {os.path.normpath(args.corpus)})")

        for _ in bouncekit.iter_messages(mail):  # warm the page cache for both runs
            pass

        t0 = time.perf_counter()
        records = sum(1 for _ in bouncekit.classify_paths([mail]))
        t_classify = time.perf_counter() - t0
        print(f"classify: {t_classify:7.2f} s  {args.messages / t_classify:8.0f} messages/s  ({records} records)")

        db = os.path.join(work, "bench.db")
        t0 = time.perf_counter()
        with BounceLog(db) as log:
            stats = log.ingest([mail])
            stored = log.count()
        t_ingest = time.perf_counter() - t0
        print(f"ingest:   {t_ingest:7.2f} s  {args.messages / t_ingest:8.0f} messages/s  ({stored} records stored, "
              f"{os.path.getsize(db) / 1e6:.1f} MB)")

        t0 = time.perf_counter()
        with BounceLog(db) as log:
            again = log.ingest([mail])
        t_again = time.perf_counter() - t0
        print(f"re-ingest:{t_again:7.2f} s  {args.messages / t_again:8.0f} messages/s  ({again.records} records added)")

        ratio = t_ingest / t_classify
        print(f"ingest / classify = {ratio:.2f} (target <= 1.50): {'ok' if ratio <= 1.5 else 'TOO SLOW'}")
        return 0 if ratio <= 1.5 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
