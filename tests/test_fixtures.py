"""Every sample under ``fixtures/`` against its sidecar; adding a sample needs no Python edit.

A sidecar ``NN.expected.json`` holds what a careful reader says the sample ``NN.eml`` means:
``format``, ``is_bounce``, optional report fields (``reporting_mta``, ``original_message_id``) and
``deliveries``, a list in bounce order of dicts whose keys are checked when present (a key left
out is not checked; a key set to null must be null). A sidecar with ``messages`` describes an
mbox, one entry per message; an entry's ``raw_contains`` is text the raw message must hold.
``"xfail": "why"`` marks a sample the code does not read right yet (strict: it fails once fixed,
so the mark gets removed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bouncekit
from bouncekit.formats import REGISTRY
from bouncekit.model import Group, Report
from bouncekit.sources import iter_paths

from conftest import FIXTURES, fixture_dirs, load_sidecar, sample_of, sidecars

REPORT_KEYS = ("reporting_mta", "original_message_id", "original_from", "original_to", "subject")
DELIVERY_KEYS = ("recipient", "action", "status", "reply_code", "diagnostic", "remote_mta", "command",
                 "group", "hard", "rule")
SIDECAR_KEYS = {"format", "is_bounce", "deliveries", "messages", "xfail", "raw_contains", *REPORT_KEYS}


def _params(pattern: str, *, xfail: bool = True) -> list[Any]:
    out = []
    for sidecar in sidecars(pattern):
        expected = load_sidecar(sidecar)
        marks = [pytest.mark.xfail(reason=expected["xfail"], strict=True)] if xfail and expected.get("xfail") else []
        out.append(pytest.param(sidecar, id=str(sidecar.relative_to(FIXTURES)), marks=marks))
    return out


def mismatches(report: Report, expected: dict[str, Any]) -> list[str]:
    """What differs between a report and a sidecar entry, as lines (empty when all agrees)."""
    problems = []
    for key in ("format", "is_bounce", *REPORT_KEYS):
        if key in expected and getattr(report, key) != expected[key]:
            problems.append(f"{key}: expected {expected[key]!r}, got {getattr(report, key)!r}")
    want = expected.get("deliveries", [])
    got = [d.to_dict() for d in report.deliveries]
    if [w.get("recipient") for w in want] != [g["recipient"] for g in got]:
        problems.append(f"recipients: expected {[w.get('recipient') for w in want]}, "
                        f"got {[g['recipient'] for g in got]}")
    for i, (w, g) in enumerate(zip(want, got)):
        for key, value in w.items():
            if g[key] != value:
                problems.append(f"delivery {i} {key}: expected {value!r}, got {g[key]!r} "
                                f"(rule {g['rule']}, diagnostic {g['diagnostic'][:120]!r})")
    return problems


@pytest.mark.parametrize("sidecar", _params("*/*.expected.json"))
def test_sample(sidecar: Path) -> None:
    expected = load_sidecar(sidecar)
    sample = sample_of(sidecar)
    if "messages" in expected:
        raws = list(iter_paths(str(sample)))
        assert all(r.error is None for r in raws), [r.error for r in raws]
        assert len(raws) == len(expected["messages"]), f"{sample} splits into {len(raws)} messages"
        problems = []
        for n, (raw, want) in enumerate(zip(raws, expected["messages"])):
            if "raw_contains" in want:
                assert want["raw_contains"].encode("utf-8") in raw.data, f"message {n}: {want['raw_contains']!r}"
            problems += [f"message {n}: {p}" for p in mismatches(bouncekit.parse(raw.data), want)]
    else:
        problems = mismatches(bouncekit.parse(sample.read_bytes()), expected)
    assert not problems, f"{sample}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("sidecar", _params("*/*.expected.json", xfail=False))
def test_sidecar_is_well_formed(sidecar: Path) -> None:
    """A typo in a sidecar must not turn into a check that silently checks nothing."""
    expected = load_sidecar(sidecar)
    sample_of(sidecar)
    entries = expected["messages"] if "messages" in expected else [expected]
    assert set(expected) <= SIDECAR_KEYS, set(expected) - SIDECAR_KEYS
    for entry in entries:
        assert set(entry) <= SIDECAR_KEYS, set(entry) - SIDECAR_KEYS
        assert isinstance(entry["is_bounce"], bool)
        assert entry["is_bounce"] or not entry["deliveries"], "a message that is no bounce has no deliveries"
        for d in entry["deliveries"]:
            assert set(d) <= set(DELIVERY_KEYS), set(d) - set(DELIVERY_KEYS)
            if "group" in d:
                Group(d["group"])  # raises on a misspelt group
            if d.get("action") == "delayed":
                assert d.get("hard") is not True, "a delay is never a hard bounce"


def test_every_fixture_dir_has_a_sample() -> None:
    dirs = fixture_dirs()
    assert dirs, "fixtures/ holds no format directory"
    for d in dirs:
        pairs = [s for s in d.glob("*.expected.json") if sample_of(s).exists()]
        assert pairs, f"{d} has no sample with a sidecar"


def test_every_sample_has_a_sidecar() -> None:
    for d in fixture_dirs():
        for sample in d.iterdir():
            if sample.name.endswith(".json") or sample.suffix == ".md":
                continue
            stem = sample.name.split(".", 1)[0]
            assert (d / f"{stem}.expected.json").is_file(), f"{sample} has no {stem}.expected.json"


def test_every_registered_format_has_fixtures() -> None:
    """Each decoder in the registry is exercised by at least one sample that it decodes."""
    formats_seen = set()
    for sidecar in sidecars():
        expected = load_sidecar(sidecar)
        for entry in expected.get("messages", [expected]):
            formats_seen.add(entry["format"])
    missing = {f.name for f in REGISTRY} - formats_seen
    assert not missing, f"no fixture is decoded by {sorted(missing)}"


def _eml_samples() -> list[Any]:
    return [pytest.param(p, id=str(p.relative_to(FIXTURES))) for p in sorted(FIXTURES.glob("*/*.eml"))]


@pytest.mark.parametrize("sample", _eml_samples())
def test_line_endings_do_not_matter(sample: Path) -> None:
    data = sample.read_bytes().replace(b"\r\n", b"\n")
    assert b"\r" not in data
    lf = bouncekit.parse(data).to_dict()
    crlf = bouncekit.parse(data.replace(b"\n", b"\r\n")).to_dict()
    cr = bouncekit.parse(data.replace(b"\n", b"\r")).to_dict()
    assert lf["is_bounce"] == (lf["format"] is not None)
    assert crlf == lf
    assert cr == lf
