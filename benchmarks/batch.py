#!/usr/bin/env python3
"""Batch benchmark: bouncekit (1 worker, N workers) against Sisimai, same mbox, same run.

    python benchmarks/batch.py [--messages 20000] [--big 100000] [--jobs N] [--corpus DIR] [--keep DIR]

Builds an mboxrd by repeating the shared sisimai corpus (``../shared/corpus/sisimai/maildir/bsd``)
to ``--messages`` messages (and ``--big`` for the memory check) in a temporary directory, then times
each contender as a separate process on the same file and prints messages/s, ratios, peak RSS, the
CPU seconds each used (all its processes) and the machine's load averages before and after.
Sisimai (``apt-get install libsisimai-perl``) is driven by a perl one-liner (``Sisimai->make``);
when it is not installed its column is skipped with a note. Peak RSS is the largest resident set of
any process of the run (``ru_maxrss`` of the waited-for children of a fresh helper process).
Nothing is written outside the temporary directory unless ``--keep`` names one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir" / "bsd"
SEPARATOR = b"From MAILER-DAEMON Thu Jan  1 00:00:00 2009\n"
SISIMAI = "use Sisimai; my $v = Sisimai->make($ARGV[0]); print scalar(@{$v || []}), qq{\\n};"

# Run one command, wait for it, print JSON with its wall time and the peak RSS of its process tree.
_MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": dt, "rc": p.returncode, "lines": p.stdout.count(b"\n"),
                  "tail": p.stdout[-200:].decode("utf-8", "replace"),
                  "maxrss_kb": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime}))
"""


# An address's local part in the raw message (ASCII; what the copies rename), and the system
# mailboxes that stay as they are (decoders know a provider by its fixed daemon address).
_LOCAL_PART = re.compile(rb"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._+-]{0,55})@(?=[A-Za-z0-9-]+\.)")
_SYSTEM = re.compile(rb"(?i)(?:mailer-?daemon|mail-daemon|postmaster|no-?reply|abuse|bounces?|daemon|root|"
                     rb"mail\.delivery\.system|maildelivery|nobody|fbl|complaints?)")


def _renamed(copy: int) -> Callable[[re.Match[bytes]], bytes]:
    def rename(m: re.Match[bytes]) -> bytes:
        local = m.group(1)
        return m.group(0) if _SYSTEM.fullmatch(local) else b"%s-c%d@" % (local, copy)
    return rename


def build_mbox(corpus: Path, count: int, path: Path) -> int:
    """An mboxrd of ``count`` messages, the corpus repeated in sorted order; LF line ends.

    Every repetition after the first renames the addresses it holds (``user@`` becomes
    ``user-c2@`` in the second copy, ``user-c3@`` in the third...; system mailboxes such as
    ``mailer-daemon@`` keep their names), so that the copies are not
    byte-identical: a cache keyed on an address or a text would otherwise find every later
    copy already done, which real mail does not offer. (Addresses inside base64 parts stay as
    they are.)
    """
    messages = []
    for name in sorted(os.listdir(corpus)):
        data = (corpus / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
        messages.append(data.rstrip(b"\n") + b"\n\n")
    with open(path, "wb") as fh:
        for i in range(count):
            data = messages[i % len(messages)]
            copy = i // len(messages) + 1
            if copy > 1:
                data = _LOCAL_PART.sub(_renamed(copy), data)
            fh.write(SEPARATOR + data)
    return count


def measure(cmd: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, check=True)
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {result['rc']}")
    return result


def bouncekit_cmd(mbox: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "bouncekit.cli", "classify", "--format", "jsonl", "--no-progress",
            "--jobs", str(jobs), str(mbox)]


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min load averages)"
    except OSError:  # pragma: no cover - no load average on this platform
        return "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(open("/proc/meminfo", encoding="utf-8").readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=100_000, help="messages for the RSS check (0: skip)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--keep", type=Path, help="build the mbox files here and keep them")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bouncekit-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        mbox = tmp / f"bench-{args.messages}.mbox"
        build_mbox(args.corpus, args.messages, mbox)
        size = mbox.stat().st_size
        print(f"machine: {machine()}")
        print(f"input:   {mbox.name}: {args.messages} messages, {size / 1e6:.1f} MB "
              f"(the sisimai corpus, {len(os.listdir(args.corpus))} messages, repeated with renamed addresses)")
        print()
        print(f"load:    {_load()} before the runs (other processes compete for the CPUs when it is well above 0)")
        rows: list[tuple[str, float, int, str]] = []
        if shutil.which("perl") and subprocess.run(["perl", "-MSisimai", "-e", "1"],
                                                   capture_output=True).returncode == 0:
            r = measure(["perl", "-e", SISIMAI, str(mbox)])
            version = subprocess.run(["perl", "-MSisimai", "-e", "print $Sisimai::VERSION"],
                                     capture_output=True, text=True).stdout.strip()
            rows.append((f"sisimai {version}", r["seconds"], r["maxrss_kb"],
                         f"{r['cpu']:6.2f} {r['tail'].strip()} records"))
        else:
            print("note: Sisimai is not installed (apt-get install libsisimai-perl): its column is skipped")
        for jobs in (1, args.jobs):
            r = measure(bouncekit_cmd(mbox, jobs))
            rows.append((f"bouncekit --jobs {jobs}", r["seconds"], r["maxrss_kb"], f"{r['cpu']:6.2f} {r['lines']} records"))
        print(f"{'':24} {'seconds':>8} {'msg/s':>8} {'peak RSS':>9}  {'cpu s':>6} output")
        rates = {}
        for name, seconds, rss, note in rows:
            rates[name] = args.messages / seconds
            print(f"{name:24} {seconds:8.2f} {rates[name]:8.0f} {rss / 1024:7.0f}MB  {note}")
        print(f"load:    {_load()} after the runs")
        print()
        one = rates["bouncekit --jobs 1"]
        many = rates[f"bouncekit --jobs {args.jobs}"]
        sisimai = next((v for k, v in rates.items() if k.startswith("sisimai")), None)
        if sisimai:
            print(f"bouncekit --jobs 1 / sisimai:          {one / sisimai:5.2f}x   (target >= 3.0x)")
            print(f"bouncekit --jobs {args.jobs} / sisimai:          {many / sisimai:5.2f}x")
        print(f"bouncekit --jobs {args.jobs} / bouncekit --jobs 1: {many / one:5.2f}x   (target >= 1.7x on 2 cores)")

        if args.big:
            big = tmp / f"bench-{args.big}.mbox"
            build_mbox(args.corpus, args.big, big)
            print()
            print(f"peak RSS, bouncekit --jobs 1: {args.messages} messages "
                  f"{measure(bouncekit_cmd(mbox, 1))['maxrss_kb'] / 1024:.0f} MB, "
                  f"{args.big} messages {measure(bouncekit_cmd(big, 1))['maxrss_kb'] / 1024:.0f} MB (target <= 200 MB)")
            print(f"peak RSS, bouncekit --jobs {args.jobs}: {args.big} messages "
                  f"{measure(bouncekit_cmd(big, args.jobs))['maxrss_kb'] / 1024:.0f} MB (largest single process)")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
