"""bouncekit: read bounce mail, say for every failed recipient what failed and why.

    >>> import bouncekit
    >>> report = bouncekit.parse(open("fixtures/rfc3464/01.eml", "rb").read())
    >>> [(d.recipient, d.group, d.hard) for d in report.deliveries]   # doctest: +SKIP

The public API is what ``__all__`` lists; everything in ``_``-modules or not listed may change.
"""

from __future__ import annotations

import os

from .batch import COLUMNS, Record, classify_paths
from .model import Delivery, Evidence, Group, Report
from .parse import classify, parse
from .rules import RuleError, RuleSet
from .sources import iter_messages

__version__ = "0.1.0"


def parse_file(path: str | os.PathLike[str], /, *, rules: RuleSet | None = None) -> list[Report]:
    """Reports for every message in a file (one for a single message, several for an mbox)."""
    return [parse(data, rules=rules) for data in iter_messages(path)]


__all__ = [
    "COLUMNS",
    "Delivery",
    "Evidence",
    "Group",
    "Record",
    "Report",
    "RuleError",
    "RuleSet",
    "classify",
    "classify_paths",
    "iter_messages",
    "parse",
    "parse_file",
]
