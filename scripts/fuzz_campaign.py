#!/usr/bin/env python3
"""A long fuzz campaign (not run in CI): mutated real bounces and random bytes through ``parse``.

    python scripts/fuzz_campaign.py [--count N] [--jobs J] [--seed S]

Each input is a fixture from ``fixtures/`` with one to three mutations of
``scripts/hostile_corpus.py`` applied (one in ten: random bytes), parsed with the default Limits
in ``--jobs`` processes, ``--chunk`` inputs per task. Prints what it found: exceptions (parse must
never raise), invalid output, messages stopped by the time budget, the slowest input; exit 1 if
anything failed. A worker that dies (or a chunk that runs past ``--chunk-timeout``) does not stall
the run: the pool is rebuilt, the chunks in flight are read again one at a time in a pool of their
own, and a chunk that kills its worker again is reported as "worker died" with its input range.
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
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
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


def _chunk(ns: list[int], seed: int) -> list[tuple[int, str, float, str]]:
    SEEDS or _init()
    out = []
    for n in ns:
        try:
            out.append(_one((n, seed)))
        except Exception as exc:  # building the input failed (MemoryError: a mutation chain asked for gigabytes)
            out.append((n, f"harness error {type(exc).__name__}", 0.0, ""))
    return out


def _pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_init)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down without waiting for a hung task: kill its workers (only this pool's)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _alone(ns: list[int], seed: int, timeout: float) -> tuple[list[tuple[int, str, float, str]], str]:
    """Read a chunk again in a pool of its own: its results, or why it could not be read."""
    pool = _pool(1)
    try:
        return pool.submit(_chunk, ns, seed).result(timeout=timeout), ""
    except BrokenProcessPool:
        return [], "worker died"
    except FuturesTimeout:
        return [], "chunk timed out"
    finally:
        _stop(pool)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=200, help="inputs per task (default 200)")
    parser.add_argument("--chunk-timeout", type=float, default=600.0,
                        help="seconds a chunk may run before its worker is killed (default 600)")
    args = parser.parse_args(argv)
    counts: Counter[str] = Counter()
    lost: list[tuple[int, int, str]] = []  # (first input, last input, why) of chunks no worker finished
    slowest = (0.0, -1)
    failures = Path("fuzz-failures")
    start = time.time()
    chunks = iter([list(range(i, min(i + args.chunk, args.count))) for i in range(0, args.count, args.chunk)])
    done = 0
    restarts = 0

    def record(results: list[tuple[int, str, float, str]]) -> None:
        nonlocal slowest, done
        for n, outcome, took, detail in results:
            counts[outcome] += 1
            slowest = max(slowest, (took, n))
            if outcome.startswith("harness error"):
                print(f"input {n}: {outcome} (building the input, not parsing it)", flush=True)
            elif outcome != "ok":
                failures.mkdir(exist_ok=True)
                SEEDS or _init()
                (failures / f"{args.seed}-{n}.eml").write_bytes(_input(n, args.seed))
                if outcome == "exception":
                    print(f"input {n}: {detail}", flush=True)
            done += 1
            if done % 10_000 == 0:
                print(f"{done} inputs, {dict(counts)}, {time.time() - start:.0f} s", flush=True)

    def give_up(ns: list[int], why: str) -> None:
        nonlocal done
        lost.append((ns[0], ns[-1], why))
        counts[why] += len(ns)
        done += len(ns)
        print(f"inputs {ns[0]}-{ns[-1]}: {why}", flush=True)

    pool = _pool(args.jobs)
    running: dict[Future, tuple[list[int], float]] = {}
    try:
        while True:
            while len(running) < args.jobs:  # no queue: a submitted chunk starts at once, so its clock is fair
                ns = next(chunks, None)
                if ns is None:
                    break
                running[pool.submit(_chunk, ns, args.seed)] = (ns, time.monotonic())
            if not running:
                break
            finished, _ = wait(running, timeout=10, return_when=FIRST_COMPLETED)
            suspects: list[list[int]] = []
            broken = False
            for future in finished:
                ns, _ = running.pop(future)
                try:
                    record(future.result())
                except BrokenProcessPool:  # a worker vanished: every chunk in flight is suspect
                    broken = True
                    suspects.append(ns)
                except Exception as exc:  # the harness itself failed on this chunk
                    give_up(ns, f"chunk failed in the harness ({exc!r})")
            now = time.monotonic()
            hung = [f for f, (ns, since) in running.items() if now - since > args.chunk_timeout]
            if broken or hung:
                for future in hung:
                    give_up(running.pop(future)[0], "chunk timed out")
                suspects += [ns for ns, _ in running.values()]
                running.clear()
                _stop(pool)
                restarts += 1
                print(f"pool restarted ({'a worker died' if broken else 'a chunk hung'}); "
                      f"{len(suspects)} chunk(s) read again alone", flush=True)
                for ns in suspects:  # the culprit dies again in a pool of its own; the others finish
                    results, why = _alone(ns, args.seed, args.chunk_timeout)
                    if why:
                        give_up(ns, why)
                    else:
                        record(results)
                pool = _pool(args.jobs)
    finally:
        _stop(pool)
    harness = sum(v for k, v in counts.items() if k.startswith("harness error"))
    unread = sum(len(range(first, last + 1)) for first, last, _ in lost)
    print(f"ran {done} inputs (seed {args.seed}) in {time.time() - start:.0f} s: "
          f"{counts['ok']} clean, {counts['exception']} exceptions, {counts['budget']} stopped by the time budget, "
          f"{harness} not built (harness error), {unread} in chunks no worker finished "
          f"({restarts} pool restarts); slowest input {slowest[1]} at {slowest[0] * 1e3:.0f} ms CPU")
    for first, last, why in lost:
        print(f"  inputs {first}-{last}: {why} (replay: --seed {args.seed}, _input(n, seed))")
    return 1 if counts["exception"] or lost else 0


if __name__ == "__main__":
    sys.exit(main())
