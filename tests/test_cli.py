"""The command line, run in-process through ``bouncekit.cli.main(argv, out=..., err=...)``."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from bouncekit import COLUMNS
from bouncekit.cli import main

from conftest import FIXTURES, fixture_path

KEYS = ["source", "index", "recipient", "action", "status", "reply_code", "group", "hard", "diagnostic",
        "remote_mta", "reporting_mta", "original_message_id", "format", "rule", "error"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_keys_and_order() -> None:
    code, out, err = run("classify", "--format", "jsonl", str(fixture_path("rfc3464", "01.eml")))
    assert code == 0 and err == ""
    rows = jsonl(out)
    assert len(rows) == 2
    for row in rows:
        assert list(row) == KEYS
    assert list(COLUMNS) == KEYS
    assert [r["recipient"] for r in rows] == ["alice.nobody@example.net", "bob.full@example.net"]
    assert rows[0]["group"] == "unknown_user" and rows[0]["hard"] is True
    assert rows[0]["reporting_mta"] == "mx1.example.org" and rows[0]["format"] == "postfix"
    assert rows[0]["source"] == str(fixture_path("rfc3464", "01.eml")) and rows[0]["index"] == 0


def test_every_message_yields_a_line() -> None:
    code, out, err = run("classify", "--format", "jsonl", str(FIXTURES))
    assert code == 0, err
    rows = jsonl(out)
    messages = {(r["source"], r["index"]) for r in rows}
    samples = [p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".eml", ".mbox")]
    expected = {(str(p), 0) for p in samples} | {(str(fixture_path("mbox", "two.mbox")), 1)}
    assert expected <= messages
    not_bounce = [r for r in rows if r["source"] == str(fixture_path("not-bounce", "01.eml"))]
    assert len(not_bounce) == 1
    assert not_bounce[0]["recipient"] is None and not_bounce[0]["group"] is None
    assert not_bounce[0]["format"] is None


def test_unreadable_path_is_named_and_the_rest_processed(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file.eml"
    good = fixture_path("text", "01.eml")
    code, out, err = run("classify", "--format", "jsonl", str(missing), str(good))
    assert code == 2
    assert str(missing) in err and len(err.strip().splitlines()) == 1
    rows = jsonl(out)
    assert rows[0]["source"] == str(missing) and rows[0]["error"] and rows[0]["recipient"] is None
    assert {r["recipient"] for r in rows[1:]} == {"henry@example.net", "ivy@no-such-host.example.net"}


def test_non_mail_file_is_an_error_row_not_a_failure(tmp_path: Path) -> None:
    junk = tmp_path / "picture.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    code, out, err = run("classify", "--format", "jsonl", str(junk))
    assert code == 0 and err == ""
    (row,) = jsonl(out)
    assert row["error"] and row["recipient"] is None


def test_csv_header_matches_jsonl_keys() -> None:
    path = str(fixture_path("rfc3464", "01.eml"))
    code, out, _ = run("classify", "--format", "csv", path)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == KEYS
    assert len(rows) == 3
    assert rows[1][KEYS.index("recipient")] == "alice.nobody@example.net"
    assert rows[1][KEYS.index("status")] == "5.1.1"


def test_table_mentions_recipient_and_group() -> None:
    code, out, _ = run("classify", str(fixture_path("rfc3464", "01.eml")), str(fixture_path("not-bounce", "01.eml")))
    assert code == 0
    assert "alice.nobody@example.net" in out and "unknown_user" in out
    assert "bob.full@example.net" in out and "mailbox_full" in out
    assert "not a bounce" in out
    assert len(out.splitlines()) == 4  # header, two recipients, one not-a-bounce line


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO(fixture_path("text", "02.eml").read_bytes())

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    code, out, _ = run("classify", "--format", "jsonl", "-")
    assert code == 0
    rows = jsonl(out)
    assert [r["source"] for r in rows] == ["-", "-"]
    assert [r["recipient"] for r in rows] == ["jack@example.net", "kim@mail.example.org"]


def test_user_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nid = "mine.full"\ngroup = "rejected"\ndiagnostic = "(?i)quota exceeded"\n'
                     'note = "test"\n', encoding="utf-8")
    code, out, _ = run("classify", "--format", "jsonl", "--rules", str(rules), str(fixture_path("rfc3464", "01.eml")))
    assert code == 0
    rows = jsonl(out)
    assert rows[1]["group"] == "rejected" and rows[1]["rule"] == "mine.full"
    assert rows[0]["group"] == "unknown_user"


def test_bad_rules_file_is_a_usage_error(tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text("[[rule]]\nid = \n", encoding="utf-8")
    code, out, err = run("classify", "--rules", str(rules), str(fixture_path("rfc3464", "01.eml")))
    assert code == 2 and out == "" and str(rules) in err


@pytest.mark.parametrize("argv", [[], ["classify"], ["classify", "--format", "xml", "x"], ["nope"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, out=io.StringIO(), err=io.StringIO()) == 2
    assert "usage" in capsys.readouterr().err
