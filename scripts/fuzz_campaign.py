#!/usr/bin/env python3
"""A long fuzz campaign (not run in CI): mutated real bounces and random bytes through ``parse``.

    python scripts/fuzz_campaign.py [--count N] [--jobs J] [--seed S]

Each input is a fixture from ``fixtures/`` with one to three mutations of
``scripts/hostile_corpus.py`` applied (one in ten: random bytes), parsed with the default Limits
in ``--jobs`` processes. Prints what it found: exceptions (parse must never raise), invalid
output, messages stopped by the time budget, the slowest input; exit 1 if anything failed.
Every failing input is written to ``fuzz-failures/`` to be replayed.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hostile_corpus", ROOT / "scripts" / "hostile_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

SEEDS: list[bytes] = []
NAMES = sorted(corpus.MUTATIONS)


def _init() -> None:
    SEEDS.extend(p.read_bytes() for p in corpus.seeds())
    import bouncekit

    bouncekit.parse(b"Subject: warm up\n\nx")


def _input(n: int, seed: int) -> bytes:
    rng = random.Random(seed * 1_000_003 + n)
    if rng.random() < 0.1:
        return rng.randbytes(rng.randrange(4096))
    data = rng.choice(SEEDS)
    for name in rng.sample(NAMES, rng.choice([1, 1, 2, 3])):
        data = corpus.MUTATIONS[name](data, rng)[: 8 << 20]  # chained splices could reach gigabytes
    return data


def _one(args: tuple[int, int]) -> tuple[int, str, float, str]:
    import bouncekit
    from bouncekit.batch import records_of

    n, seed = args
    data = _input(n, seed)
    start = time.process_time()
    try:
        report = bouncekit.parse(data)
        took = time.process_time() - start
        assert all(isinstance(e, str) for e in report.errors)
        for d in report.deliveries:
            assert d.recipient is None or "@" in d.recipient, d.recipient
        assert records_of(report, "x", n)
        report.to_dict()
    except Exception:  # parse must never raise: this is a finding
        return n, "exception", time.process_time() - start, traceback.format_exc(limit=4)
    budget = any("time budget" in e for e in report.errors)
    return n, "budget" if budget else "ok", took, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    counts: Counter[str] = Counter()
    slowest = (0.0, -1)
    failures = Path("fuzz-failures")
    start = time.time()
    with multiprocessing.get_context("fork").Pool(args.jobs, initializer=_init) as pool:
        for done, (n, outcome, took, detail) in enumerate(
                pool.imap_unordered(_one, ((n, args.seed) for n in range(args.count)), chunksize=64), 1):
            counts[outcome] += 1
            slowest = max(slowest, (took, n))
            if outcome != "ok":
                failures.mkdir(exist_ok=True)
                SEEDS or _init()
                (failures / f"{args.seed}-{n}.eml").write_bytes(_input(n, args.seed))
                if outcome == "exception":
                    print(f"input {n}: {detail}", flush=True)
            if done % 10_000 == 0:
                print(f"{done} inputs, {dict(counts)}, {time.time() - start:.0f} s", flush=True)
    print(f"ran {sum(counts.values())} inputs (seed {args.seed}) in {time.time() - start:.0f} s: "
          f"{counts['ok']} clean, {counts['exception']} exceptions, {counts['budget']} stopped by the time budget; "
          f"slowest input {slowest[1]} at {slowest[0] * 1e3:.0f} ms CPU")
    return 1 if counts["exception"] else 0


if __name__ == "__main__":
    sys.exit(main())
