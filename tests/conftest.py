"""Shared helpers: where the project's fixtures live, and the third-party corpora beside the repo.

The corpora in ``../shared/corpus`` are not part of the repository. Outside CI a test that needs
one is skipped with a message saying what is missing; under CI (``CI=true``) missing data is a
failure, so a green CI run can never mean "nothing was checked".
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def fixture_dirs() -> list[Path]:
    """Every ``fixtures/<format>/`` directory (``mbox`` included), sorted."""
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def sidecars(pattern: str = "*/*.expected.json") -> list[Path]:
    """Every sidecar file under ``fixtures/``, sorted."""
    return sorted(FIXTURES.glob(pattern))


def sample_of(sidecar: Path) -> Path:
    """The sample a sidecar describes: ``NN.expected.json`` -> the one ``NN.*`` file that is not JSON."""
    stem = sidecar.name[: -len(".expected.json")]
    found = [p for p in sidecar.parent.glob(stem + ".*") if not p.name.endswith(".json")]
    if len(found) != 1:
        raise AssertionError(f"{sidecar} should sit next to exactly one sample named {stem}.*, found {found}")
    return found[0]


def load_sidecar(sidecar: Path) -> dict[str, Any]:
    return json.loads(sidecar.read_text(encoding="utf-8"))


def fixture_path(*parts: str) -> Path:
    """A path under ``fixtures/``, which must exist."""
    path = FIXTURES.joinpath(*parts)
    assert path.exists(), f"fixture {path} is missing"
    return path


def shared_corpus(name: str) -> Path:
    """``../shared/corpus/<name>`` beside the repo; skip (or, under CI, fail) when it is absent."""
    path = SHARED / "corpus" / name
    if not path.is_dir():
        message = (f"The third-party corpus {name!r} is not at {path}; it lives in the shared/ folder "
                   f"next to the repository, which this checkout does not have.")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " Under CI the corpus must be present.", pytrace=False)
        pytest.skip(message)
    return path


def shared_tool(name: str) -> Path:
    """``../shared/tools/<name>``; skip (or, under CI, fail) when it is absent."""
    path = SHARED / "tools" / name
    if not path.is_file():
        message = f"The scoring tool {name!r} is not at {path}."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " Under CI it must be present.", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture
def corpus() -> Iterator[Any]:
    """The :func:`shared_corpus` helper as a fixture: ``corpus("sisimai")``."""
    yield shared_corpus
