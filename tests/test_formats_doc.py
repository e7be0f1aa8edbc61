"""docs/formats.md lists every decoder of the registry, in the registry's order."""

from __future__ import annotations

import re
from pathlib import Path

from bouncekit.formats import REGISTRY

DOC = Path(__file__).resolve().parent.parent / "docs" / "formats.md"


def test_formats_doc_lists_the_registry_in_order() -> None:
    names = re.findall(r"^\| `([a-z0-9]+)` \| `formats/", DOC.read_text(encoding="utf-8"), re.M)
    assert names == [decoder.name for decoder in REGISTRY]
