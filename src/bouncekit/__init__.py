"""bouncekit: read bounce mail, say for every failed recipient what failed and why.

    >>> import bouncekit
    >>> report = bouncekit.parse(open("fixtures/rfc3464/01.eml", "rb").read())
    >>> [(d.recipient, d.group, d.hard) for d in report.deliveries]   # doctest: +SKIP

The public API is what ``__all__`` lists; everything in ``_``-modules or not listed may change.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .batch import COLUMNS, Record, classify_paths
from .formats import REGISTRY
from .model import Delivery, Evidence, Group, Report
from .parse import classify, parse
from .rules import RuleError, RuleSet, RuleTimeout
from .rules import load_rules as _load_rules
from .rules.engine import USER_PATTERN_TIMEOUT
from .sources import iter_messages

__version__ = "0.1.0"


def parse_file(path: str | os.PathLike[str], /, *, rules: RuleSet | None = None) -> list[Report]:
    """Reports for every message in a file (one for a single message, several for an mbox)."""
    return [parse(data, rules=rules) for data in iter_messages(path)]


def load_rules(files: Iterable[str | os.PathLike[str]] = (), /, *, plugins: bool = True,
               timeout: float | None = USER_PATTERN_TIMEOUT) -> RuleSet:
    """The effective rule table: the rules of ``files`` (in order), then rule plugins, then the built-ins.

    User rules run first; a rule with the id of a lower layer's rule replaces it in place, and a
    file's ``disable = [...]`` removes ids. ``plugins=False`` leaves the installed plugins (entry
    point group ``bouncekit.rules``) out. Every problem (bad key, group, regex, format name, duplicate
    id, rule that can never match) raises one :class:`RuleError` naming file, rule and line.
    User and plugin patterns run with a ``timeout`` in seconds (see :class:`RuleTimeout`).
    See ``docs/rules.md``.
    """
    return _load_rules(files, plugins=plugins, known_formats=[f.name for f in REGISTRY], timeout=timeout)


__all__ = [
    "COLUMNS",
    "Delivery",
    "Evidence",
    "Group",
    "Record",
    "Report",
    "RuleError",
    "RuleSet",
    "RuleTimeout",
    "classify",
    "classify_paths",
    "iter_messages",
    "load_rules",
    "parse",
    "parse_file",
]
