"""Property tests (hypothesis): random bytes and mutated real bounces never break ``parse`` or a batch.

The mutations are those of ``scripts/hostile_corpus.py`` (truncation, byte flips, boundary damage,
charset lies, header duplication, huge fields, NUL bytes and line ends, splices), driven by
hypothesis. The profile keeps CI fast (``HYPOTHESIS_PROFILE=long`` for more examples);
``scripts/fuzz_campaign.py`` runs the long campaign outside CI.
"""

from __future__ import annotations

import importlib.util
import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bouncekit
from bouncekit import Group, parse
from bouncekit.batch import records_of

ROOT = Path(__file__).resolve().parent.parent
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_spec = importlib.util.spec_from_file_location("hostile_corpus", ROOT / "scripts" / "hostile_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)
SEEDS = [p.read_bytes() for p in corpus.seeds()]


def _check(report: bouncekit.Report) -> None:
    assert isinstance(report, bouncekit.Report)
    assert isinstance(report.is_bounce, bool)
    assert all(isinstance(e, str) and e for e in report.errors)
    for d in report.deliveries:
        assert isinstance(d.group, Group) and isinstance(d.hard, bool)
        assert d.recipient is None or (isinstance(d.recipient, str) and "@" in d.recipient)
        assert isinstance(d.diagnostic, str)
    rows = records_of(report, "x", 0)
    assert len(rows) >= 1 and all(r.source == "x" and r.index == 0 for r in rows)
    report.to_dict()


@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    _check(parse(data))


@given(st.text(max_size=2048))
def test_random_text(data: str) -> None:
    _check(parse(data))


@given(st.sampled_from(range(len(SEEDS))), st.lists(st.sampled_from(sorted(corpus.MUTATIONS)), min_size=1, max_size=3),
       st.integers(0, 2**32 - 1))
def test_mutated_fixtures(seed: int, mutations: list[str], salt: int) -> None:
    rng = random.Random(salt)
    data = SEEDS[seed]
    for name in mutations:
        data = corpus.MUTATIONS[name](data, rng)
    _check(parse(data))


@given(st.lists(st.sampled_from(range(len(SEEDS))), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_mbox_of_mutants_accounts_for_every_message(picks: list[int], salt: int) -> None:
    import tempfile

    rng = random.Random(salt)
    messages = [corpus.MUTATIONS[rng.choice(sorted(corpus.MUTATIONS))](SEEDS[i], rng) for i in picks]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n, data in enumerate(messages):
            path = Path(tmp) / f"{n}.eml"
            path.write_bytes(data)
            paths.append(path)
        records = list(bouncekit.classify_paths([tmp], jobs=1))
    assert {r.source for r in records} == {str(p) for p in paths}
