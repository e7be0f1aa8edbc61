#!/usr/bin/env python3
"""Time and extra memory of ``bouncekit.parse`` on every hostile message, with the default Limits.

    python benchmarks/worst_case.py [--full] [--top N] [--dir DIR]

Builds the hostile corpus (``scripts/hostile_corpus.py``; ``--full``: with the 50 MB message) in
a temporary directory unless ``--dir`` names one, then for each message measures

- CPU time of one ``parse`` (the best of 3 runs, so the figure is the message's cost, not the
  machine's other load) and the wall time of the slowest run;
- extra memory: the peak of Python allocations during ``parse`` (``tracemalloc``), the input
  bytes themselves not counted.

It prints the slowest and hungriest messages, the worst figures against the 100 ms / 50 MB
targets, and a separate line for a 50 MB message. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import bouncekit

ROOT = Path(__file__).resolve().parent.parent
TIME_TARGET = 0.100
MEMORY_TARGET = 50 * 1024 * 1024


def _corpus_module():
    spec = importlib.util.spec_from_file_location("hostile_corpus", ROOT / "scripts" / "hostile_corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def measure(data: bytes) -> tuple[float, float, int, bouncekit.Report]:
    """(best CPU seconds, worst wall seconds, peak extra bytes, report) of parsing ``data``."""
    cpu = []
    wall = []
    for _ in range(3):
        c0, w0 = time.process_time(), time.perf_counter()
        report = bouncekit.parse(data)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        bouncekit.parse(data)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return min(cpu), max(wall), peak, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the corpus with its 50 MB message")
    parser.add_argument("--top", type=int, default=8, help="how many of the costliest messages to list")
    parser.add_argument("--dir", help="an existing corpus directory (default: build one in a temp dir)")
    args = parser.parse_args(argv)
    bouncekit.parse(b"Subject: warm up\n\nx")  # the rule table is compiled once, outside the figures
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(Path(args.dir).glob("*.eml")) if args.dir else _corpus_module().build(tmp, full=args.full)
        rows = []
        for path in files:
            data = path.read_bytes()
            cpu, wall, peak, report = measure(data)
            rows.append((cpu, wall, peak, len(data), path.name, report))
    print(f"{len(rows)} hostile messages, default bouncekit.Limits():")
    print(f"{'cpu ms':>8} {'wall ms':>8} {'extra MB':>9} {'size MB':>8}  message")
    for cpu, wall, peak, size, name, _ in sorted(rows, reverse=True)[: args.top]:
        print(f"{cpu * 1e3:8.1f} {wall * 1e3:8.1f} {peak / 2**20:9.1f} {size / 2**20:8.2f}  {name}")
    print("  ... by memory:")
    for cpu, wall, peak, size, name, _ in sorted(rows, key=lambda r: -r[2])[:3]:
        print(f"{cpu * 1e3:8.1f} {wall * 1e3:8.1f} {peak / 2**20:9.1f} {size / 2**20:8.2f}  {name}")
    worst_cpu = max(r[0] for r in rows)
    worst_mem = max(r[2] for r in rows)
    over = sum(1 for r in rows if any("time budget" in e for e in r[5].errors))
    print(f"worst CPU time {worst_cpu * 1e3:.1f} ms (target {TIME_TARGET * 1e3:.0f} ms); "
          f"worst extra memory {worst_mem / 2**20:.1f} MB (target {MEMORY_TARGET / 2**20:.0f} MB); "
          f"messages stopped by the time budget: {over}")

    big = _corpus_module()._attachment(50 << 20, __import__("random").Random(1))
    cpu, wall, peak, report = measure(big)
    print(f"50 MB message ({len(big) / 2**20:.1f} MB): {cpu * 1e3:.1f} ms CPU, {wall * 1e3:.1f} ms wall, "
          f"{peak / 2**20:.1f} MB extra; {len(report.deliveries)} delivery, errors: {list(report.errors)}")
    worst_cpu = max(worst_cpu, cpu)
    worst_mem = max(worst_mem, peak)
    ok = worst_cpu < TIME_TARGET and worst_mem < MEMORY_TARGET
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
