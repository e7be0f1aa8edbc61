"""The bounce log on the shared sisimai corpus: every failed recipient stored once, re-ingest adds none."""

from __future__ import annotations

import csv
import hashlib
import os

import pytest

import bouncekit
from bouncekit.cli import main

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus", "sisimai")


@pytest.fixture(scope="module")
def corpus():
    if not os.path.isdir(CORPUS):
        if os.environ.get("CI") == "true":
            pytest.fail(f"The shared corpus is missing at {CORPUS}.")
        pytest.skip(f"The shared corpus is not at {CORPUS}.")
    return CORPUS


def _expected_rows(path: str) -> set[tuple[str, str]]:
    """(message hash, recipient) of every failed recipient `parse` finds: what the log must hold."""
    rows = set()
    for data in bouncekit.iter_messages(path):
        report = bouncekit.parse(data)
        digest = hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()
        for d in report.deliveries:
            if d.recipient and d.group.value not in ("delivered", "vacation") and d.action not in (
                    "delivered", "relayed", "expanded"):
                rows.add((digest, d.recipient.lower()))
    return rows


def test_ingest_export_reingest(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["log", "ingest", corpus]) == 0
    # issue 8's acceptance, as written: a date range of 2000-2100 must hold every record, though
    # some corpus bounces are dated 1995-1999: `received` is when the log received them
    assert main(["log", "export", "--start", "2000-01-01", "--end", "2100-01-01", "--output", "all.csv"]) == 0
    with open("all.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["received", "status", "from", "to", "message ID", "error"]
    assert len(rows) - 1 == len(_expected_rows(corpus))
    assert b"\r\n" not in open("all.csv", "rb").read()
    assert main(["log", "ingest", corpus]) == 0
    assert "0 records added" in capsys.readouterr().out
    assert main(["log", "export", "--start", "2000-01-01", "--end", "2100-01-01", "--output", "again.csv"]) == 0
    assert open("again.csv", encoding="utf-8").read() == open("all.csv", encoding="utf-8").read()
