"""docs/log.md's Python example runs (on generated bounces), so the documentation cannot rot."""

from __future__ import annotations

import os
import re

from _bounces import dsn

DOC = os.path.join(os.path.dirname(__file__), "..", "docs", "log.md")


def test_worked_example_runs(tmp_path, monkeypatch, capsys):
    text = open(DOC, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "docs/log.md has no Python example"
    monkeypatch.chdir(tmp_path)
    os.mkdir("Maildir")
    for i in range(3):
        with open(f"Maildir/{i}.eml", "wb") as fh:
            fh.write(dsn(f"user{i}@example.org", date=f"Wed, {i + 1:02d} May 2024 10:00:00 +0000",
                         message_id=f"<d{i}@sender.example>"))
    for block in blocks:
        exec(compile(block, DOC, "exec"), {})
    out = capsys.readouterr().out
    assert "3 records added" in out and out.count("example.org") >= 3
    assert open("week.csv", encoding="utf-8").read().count("\n") == 4
