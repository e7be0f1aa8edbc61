"""``bouncekit.dask`` on a real (small, in-process) ``distributed.LocalCluster``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bouncekit import RuleSet, classify_paths

from conftest import FIXTURES

try:
    import dask.bag as db
    from distributed import Client, LocalCluster
except ImportError:  # pragma: no cover - the test extra installs the dask extra
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("the dask extra is not installed (pip install 'bouncekit[dask]')", allow_module_level=True)

from bouncekit.dask import classify_bag, to_dataframe


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


def test_bag_of_paths_matches_classify_paths(client) -> None:  # type: ignore[no-untyped-def]
    paths = [str(p) for p in sorted(FIXTURES.glob("*/01.eml"))[:12]] + [str(FIXTURES / "mbox" / "sample.mbox")]
    bag = db.from_sequence(paths, npartitions=4)
    got = classify_bag(bag).compute()
    want = [r.to_dict() for r in classify_paths(paths)]
    assert got == want


def test_bag_of_raw_messages_and_dataframe(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    samples = sorted(FIXTURES.glob("*/01.eml"))[:10]
    raws = [p.read_bytes() for p in samples]
    rules = RuleSet.from_toml('[[rule]]\nid = "mine.everything"\ndiagnostic = "."\ngroup = "blocked"\n')
    rules = RuleSet.builtin().with_user_rules(rules)
    records = classify_bag(db.from_sequence(raws, npartitions=3), rules=rules)
    frame = to_dataframe(records)
    assert list(frame.columns) == list(classify_paths.__globals__["COLUMNS"])
    pdf = frame.compute()
    assert set(pdf["source"]) <= {"bag:0", "bag:1", "bag:2"}
    assert len({(s, i) for s, i in zip(pdf["source"], pdf["index"])}) == len(raws)
    # the user rule table really reached the workers
    decided = pdf[pdf["diagnostic"].notna() & (pdf["diagnostic"] != "")]
    assert len(decided) and set(decided["rule"]) == {"mine.everything"}
