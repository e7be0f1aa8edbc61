#!/usr/bin/env python3
"""Classify a corpus with the generic decoders only, to see how bouncekit reads formats it has no module for.

The kept-aside samples include formats no vendor module of ours knows; those reach the standards
(``arf``, ``rfc3464``), the auto-reply reader, the free-text scanner (``text``) and flufl.bounce.
This runs every message of a corpus through just those decoders (the vendor modules left out of the
registry for this process only) and writes JSONL that ``../shared/tools/score.py`` scores:

    python scripts/generic_only.py ../shared/corpus/sisimai > generic.jsonl
    python ../shared/tools/score.py --corpus ../shared/corpus/sisimai --actual generic.jsonl --families

A developer's measure, not an API: the figures are quoted in docs/accuracy.md and floored by
tests/test_corpus.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bouncekit import formats  # noqa: E402
from bouncekit.batch import COLUMNS, astuple_fast, classify_paths  # noqa: E402

#: The decoders that do not know any one vendor.
GENERIC = ("arf", "rfc3464", "rfc3834", "text", "flufl")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", help="files, directories, mbox files of a corpus")
    args = ap.parse_args(argv)
    # parse() walks the registry it imported: swap it there, for this process only (jobs=1)
    parse_module = sys.modules["bouncekit.parse"]
    parse_module.REGISTRY = tuple(d for d in formats.REGISTRY if d.name in GENERIC)
    for record in classify_paths(args.paths, jobs=1):
        sys.stdout.write(json.dumps(dict(zip(COLUMNS, astuple_fast(record))), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
