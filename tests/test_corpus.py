"""The third-party corpora in ``../shared/corpus``, scored by ``../shared/tools/score.py``.

The CLI classifies every file of a corpus into JSONL; the scorer compares that with the corpus's
own expectations and prints the figures on its last line. The floors below only ever go up.
Without the corpora this skips with a message (and fails under CI, see conftest.py).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bouncekit.cli import main

from conftest import shared_corpus, shared_tool

#: Minimum scores per corpus, keyed by the names on score.py's last line.
#: Issue 3 asked sisimai group_all >= 0.60, recall >= 0.85 and flufl recall >= 0.75; these floors sit
#: just under what the code reaches now, so a regression fails CI. Issue 4's goals (sisimai
#: group_all/hard >= 0.97/0.99) are not reached yet; raise the floors as the code gets there.
THRESHOLDS: dict[str, dict[str, float]] = {
    "sisimai": {"group_all": 0.92, "recall": 0.99, "precision": 0.99, "hard": 0.965, "status": 0.99,
                "reply": 0.99},
    "flufl": {"recall": 0.98, "precision": 0.98},
}


#: The same corpora read by the generic decoders alone (scripts/generic_only.py): how bouncekit reads
#: formats it has no vendor module for, as the kept-aside samples may hold.
GENERIC_THRESHOLDS: dict[str, dict[str, float]] = {
    "sisimai": {"group_all": 0.87, "recall": 0.965, "precision": 0.985, "status": 0.975, "reply": 0.97},
    "flufl": {"recall": 0.97, "precision": 0.97},
}

GENERIC_ONLY = Path(__file__).resolve().parent.parent / "scripts" / "generic_only.py"


def score(name: str, tmp_path: Path, *, generic_only: bool = False) -> tuple[dict[str, float], str]:
    corpus = shared_corpus(name)
    scorer = shared_tool("score.py")
    actual = tmp_path / f"{name}.jsonl"
    if generic_only:
        proc = subprocess.run([sys.executable, str(GENERIC_ONLY), str(corpus)], capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr
        actual.write_text(proc.stdout, encoding="utf-8")
    else:
        err = io.StringIO()
        with actual.open("w", encoding="utf-8") as out:
            code = main(["classify", "--format", "jsonl", str(corpus)], out=out, err=err)
        assert code == 0, f"the CLI failed on {corpus}: {err.getvalue()}"
    assert actual.stat().st_size > 0
    proc = subprocess.run([sys.executable, str(scorer), "--corpus", str(corpus), "--actual", str(actual)],
                          capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("score: "), f"unexpected scorer output:\n{proc.stdout}\n{proc.stderr}"
    figures = {}
    for item in lines[-1].removeprefix("score: ").split():
        key, _, value = item.partition("=")
        figures[key] = float(value)
    return figures, proc.stdout


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_corpus_score(name: str, tmp_path: Path) -> None:
    figures, report = score(name, tmp_path)
    low = {k: (figures.get(k), floor) for k, floor in THRESHOLDS[name].items()
           if k not in figures or figures[k] < floor}
    assert not low, f"{name}: below the floor (got, floor): {low}\n{report}"


@pytest.mark.parametrize("name", sorted(GENERIC_THRESHOLDS))
def test_corpus_score_with_the_generic_decoders_only(name: str, tmp_path: Path) -> None:
    figures, report = score(name, tmp_path, generic_only=True)
    low = {k: (figures.get(k), floor) for k, floor in GENERIC_THRESHOLDS[name].items()
           if k not in figures or figures[k] < floor}
    assert not low, f"{name}, generic decoders only: below the floor (got, floor): {low}\n{report}"


def test_missing_corpus_skips_outside_ci_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-corpus"):
        shared_corpus("no-such-corpus")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-corpus"):
        shared_corpus("no-such-corpus")
