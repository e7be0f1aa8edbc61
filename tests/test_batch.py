"""Batches: streaming inputs, workers with ordered output, every message accounted for, progress, summary."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

from bouncekit import batch, classify_paths
from bouncekit.cli import main
from bouncekit.sources import split_messages

from conftest import FIXTURES, ROOT

SAMPLES = sorted(p for p in FIXTURES.glob("*/*.eml"))


def build_mbox(count: int, eol: bytes = b"\n") -> bytes:
    """An mboxrd of ``count`` messages taken round-robin from the fixtures (LF, CRLF or CR line ends)."""
    out = []
    for i in range(count):
        data = SAMPLES[i % len(SAMPLES)].read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1]
        lines = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in data.split(b"\n")]
        body = b"\n".join(lines).rstrip(b"\n") + b"\n\n"
        out.append(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2009\n" + body)
    return b"".join(out).replace(b"\n", eol)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def small_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny work units, so that small inputs are cut into many slices and really use the workers."""
    monkeypatch.setattr(batch, "UNIT_BYTES", 4096)
    monkeypatch.setattr(batch, "UNIT_MESSAGES", 3)
    monkeypatch.setattr(batch, "SLICE_THRESHOLD", 8192)


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, int]:
    """A directory of single messages, a big mbox and a compressed mbox: (directory, message count)."""
    root = tmp_path / "in"
    (root / "eml").mkdir(parents=True)
    for i, sample in enumerate(SAMPLES[:25]):
        (root / "eml" / f"{i:02d}.eml").write_bytes(sample.read_bytes())
    (root / "big.mbox").write_bytes(build_mbox(120))
    (root / "small.mbox.gz").write_bytes(gzip.compress(build_mbox(7)))
    return root, 25 + 120 + 7


def test_jobs_1_and_2_give_identical_bytes(tree: tuple[Path, int], tmp_path: Path, small_units: None) -> None:
    root, count = tree
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out{jobs}.jsonl"
        code, _, err = run("classify", "--format", "jsonl", "--jobs", jobs, "--output", str(target),
                           str(root / "eml"), str(root / "big.mbox"), str(root / "small.mbox.gz"))
        assert code == 0, err
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    rows = [json.loads(line) for line in outputs[0].decode().splitlines()]
    # every message accounted for: one (source, index) per input message, none twice, none missing
    keys = {(r["source"], r["index"]) for r in rows}
    assert len(keys) == count
    big = sorted(i for s, i in keys if s.endswith("big.mbox"))
    assert big == list(range(120))


def test_parallel_really_runs_in_workers(tree: tuple[Path, int], small_units: None) -> None:
    root, _ = tree
    seen: list[int] = []
    records = list(classify_paths([root / "big.mbox"], jobs=2, progress=seen.append))
    assert sum(seen) == 120 and len(seen) > 2  # many units, each reported when done
    assert {r.index for r in records} == set(range(120))
    assert records == list(classify_paths([root / "big.mbox"], jobs=1))


def test_every_mbox_message_accounted_for_at_scale(tmp_path: Path) -> None:
    """A file past the slicing threshold: the parent plans offsets, the workers read their slices."""
    path = tmp_path / "many.mbox"
    data = build_mbox(1500)
    path.write_bytes(data)
    assert len(data) > batch.SLICE_THRESHOLD
    assert len(split_messages(data)) == 1500
    records = list(classify_paths([path], jobs=2))
    assert {r.index for r in records} == set(range(1500))


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_only_mbox_read_like_lf(tmp_path: Path, eol: bytes) -> None:
    (tmp_path / "lf.mbox").write_bytes(build_mbox(30))
    (tmp_path / "other.mbox").write_bytes(build_mbox(30, eol))
    lf = [(r.index, r.recipient, r.group, r.status) for r in classify_paths([tmp_path / "lf.mbox"])]
    other = [(r.index, r.recipient, r.group, r.status) for r in classify_paths([tmp_path / "other.mbox"])]
    assert {i for i, *_ in other} == set(range(30))
    assert other == lf


@pytest.mark.parametrize("suffix,compress", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress),
                                             (".zst", lambda d: zstandard.ZstdCompressor().compress(d))])
def test_compressed_mbox_reads_like_plain(tmp_path: Path, suffix: str, compress) -> None:  # type: ignore[no-untyped-def]
    data = build_mbox(20)
    (tmp_path / "plain.mbox").write_bytes(data)
    (tmp_path / f"box.mbox{suffix}").write_bytes(compress(data))
    plain = [(r.index, r.recipient, r.group) for r in classify_paths([tmp_path / "plain.mbox"])]
    packed = list(classify_paths([tmp_path / f"box.mbox{suffix}"], jobs=2))
    assert [(r.index, r.recipient, r.group) for r in packed] == plain
    assert {r.source for r in packed} == {str(tmp_path / f"box.mbox{suffix}")}


def _cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bouncekit.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=120, check=False)


def test_stdin_one_message_and_mbox_stream() -> None:
    one = _cli("classify", "--format", "jsonl", "--jobs", "2", "-", stdin=SAMPLES[0].read_bytes())
    assert one.returncode == 0, one.stderr
    assert {json.loads(line)["index"] for line in one.stdout.splitlines()} == {0}
    mbox = build_mbox(40)
    many = _cli("classify", "--format", "jsonl", "--jobs", "2", "--mbox", "-", stdin=gzip.compress(mbox))
    assert many.returncode == 0, many.stderr
    rows = [json.loads(line) for line in many.stdout.splitlines()]
    assert {(r["source"], r["index"]) for r in rows} == {("-", i) for i in range(40)}


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    (tmp_path / "box.mbox").write_bytes(build_mbox(30))
    args = ["classify", "--format", "jsonl", "--jobs", "1", str(tmp_path / "box.mbox")]
    piped = _cli(*args)
    assert piped.returncode == 0 and piped.stderr == b""
    assert len(piped.stdout.splitlines()) >= 30

    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "bouncekit.cli", *args], stdout=subprocess.PIPE,
                                stderr=slave, stdin=subprocess.DEVNULL, cwd=ROOT)
        os.close(slave)
        stdout = proc.stdout.read() if proc.stdout else b""
        proc.wait(timeout=120)
        screen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert stdout == piped.stdout  # the bar never reaches stdout
    text = screen.decode("utf-8", "replace")
    assert "30 msg" in text and "msg/s" in text and "classified" in text


def test_summary_table_and_json(tmp_path: Path) -> None:
    (tmp_path / "box.mbox").write_bytes(build_mbox(40))
    code, out, _ = run("classify", "--summary", "--jobs", "1", str(tmp_path / "box.mbox"))
    assert code == 0
    assert out.startswith("messages   40\n")
    for title in ("by group", "hard / soft", "by format", "by receiving domain", "top diagnostics"):
        assert title in out
    code, out, _ = run("classify", "--summary-format", "json", "--format", "jsonl", "--output", str(tmp_path / "r.jsonl"),
                       str(tmp_path / "box.mbox"))
    summary = json.loads(out)
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert summary["messages"] == 40 and summary["records"] == len(rows)
    assert sum(summary["groups"].values()) == len(rows)
    assert sum(summary["hard_soft"].values()) == summary["recipients"]
    assert summary["hard_soft"].get("hard", 0) == sum(1 for r in rows if r["hard"])
    domains = [r["recipient"].rsplit("@", 1)[1] for r in rows if r["recipient"] and "@" in r["recipient"]]
    top_domain, top_count = next(iter(summary["domains"].items()))
    assert top_count == max(domains.count(d) for d in set(domains)) == domains.count(top_domain)
    assert summary["top_diagnostics"] and all(row["count"] >= 1 for row in summary["top_diagnostics"])


def test_columns_choose_and_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "box.mbox").write_bytes(build_mbox(5))
    code, out, _ = run("classify", "--format", "csv", "--columns", "group,recipient,index", str(tmp_path / "box.mbox"))
    assert code == 0
    assert out.splitlines()[0] == "group,recipient,index"
    code, out, _ = run("classify", "--format", "jsonl", "--columns", "index,group", str(tmp_path / "box.mbox"))
    assert [list(json.loads(line)) for line in out.splitlines()][0] == ["index", "group"]
    code, _, _ = run("classify", "--columns", "nope", str(tmp_path / "box.mbox"))
    assert code == 2 and "nope" in capsys.readouterr().err
