"""Classify on a Dask cluster: a bag of paths or raw messages in, a bag or DataFrame of records out.

Needs the extra: ``pip install 'bouncekit[dask]'``. Every worker must have bouncekit installed; the
rule table (the built-in one, or yours) is sent to the workers once, as one shared task input.

    >>> import dask.bag as db
    >>> from bouncekit.dask import classify_bag, to_dataframe
    >>> paths = db.from_sequence(["a.mbox", "b.mbox.gz", "Maildir/"], npartitions=3)
    >>> records = classify_bag(paths)            # doctest: +SKIP
    >>> frame = to_dataframe(records)            # doctest: +SKIP
    >>> frame.groupby("group").size().compute()  # doctest: +SKIP

A bag item is a path (``str`` or ``os.PathLike``: a file, mbox, directory or Maildir, read on the
worker, so the workers must see the files), raw message bytes, or a ``(source, index, bytes)``
tuple. Bare bytes get the source ``bag:<partition>`` and their position in the partition as index.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import dask
import dask.bag as db
import pandas as pd

from .batch import COLUMNS, classify_paths, classify_raw
from .rules import RuleSet
from .sources import RawMessage

__all__ = ["classify_bag", "to_dataframe", "META"]


def _partition(items: Iterable[Any], number: int, rules: RuleSet | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        if isinstance(item, (bytes, bytearray, memoryview)):
            raw = RawMessage(f"bag:{number}", position, bytes(item))
        elif isinstance(item, tuple) and len(item) == 3:
            raw = RawMessage(str(item[0]), int(item[1]), bytes(item[2]))
        elif isinstance(item, (str, os.PathLike)):
            out += [r.to_dict() for r in classify_paths([item], jobs=1, rules=rules)]
            continue
        else:
            raise TypeError(f"A bag item must be a path, bytes or (source, index, bytes), not {type(item).__name__}.")
        out += [r.to_dict() for r in classify_raw(raw, rules=rules)]
    return out


def classify_bag(bag: db.Bag, /, *, rules: RuleSet | None = None) -> db.Bag:
    """A bag of record dicts (keys in the JSONL order) for a bag of paths or raw messages."""
    shared_rules = dask.delayed(rules, pure=True) if rules is not None else None
    parts = [dask.delayed(_partition, pure=True)(part, number, shared_rules)
             for number, part in enumerate(bag.to_delayed())]
    return db.from_delayed(parts)


#: The empty DataFrame that describes the columns and dtypes of :func:`to_dataframe`.
META = pd.DataFrame({name: pd.Series(dtype="int64" if name == "index" else "object") for name in COLUMNS})


def to_dataframe(records: db.Bag, /) -> Any:
    """A Dask DataFrame with the JSONL columns, in order, from a bag of record dicts."""
    return records.to_dataframe(meta=META)
