"""Numbers a sending team can act on: counts over a run's records.

:class:`Summary` is fed records one at a time (memory grows with the number of *distinct*
groups, formats, domains and diagnostics, not with the input) and reports counts per group,
hard/soft, format and receiving domain, plus the most frequent diagnostics. The CLI prints it
as a table or as JSON (``bouncekit classify --summary``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .batch import Record

# Diagnostics are counted with the parts that differ per recipient masked, so that one server's
# "<a@x>: user unknown" and "<b@x>: user unknown" count as one line.
_ADDRESS = re.compile(r"(?:<|(?<![^\s<>@\"']))[^\s<>@\"']+@[^\s<>@\"']+>?")
_LONG_NUMBER = re.compile(r"\b[0-9A-Fa-f]{8,}\b|\b\d{5,}\b")
_MAX_DIAGNOSTICS = 10_000  # distinct diagnostics kept; beyond this only known ones are counted
NOT_A_BOUNCE = "(not a bounce)"
ERROR = "(error)"


def diagnostic_key(text: str) -> str:
    """A diagnostic with addresses and long numbers masked, white space collapsed, cut to 160 characters."""
    text = _ADDRESS.sub("<address>", text)
    text = _LONG_NUMBER.sub("#", text)
    return " ".join(text.split())[:160]


class Summary:
    """Counts over records: add them with :meth:`add` (or :meth:`update`), read :meth:`to_dict`."""

    def __init__(self, *, top: int = 10) -> None:
        self.top = top
        self.message_count = 0
        self.record_count = 0
        self.recipients = 0
        self.groups: Counter[str] = Counter()
        self.hard: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()
        self.domains: Counter[str] = Counter()
        self.diagnostics: Counter[str] = Counter()
        self._last: tuple[str, int] | None = None

    def add(self, record: Record) -> None:
        """Count one record (records of one message arrive together, as classify_paths yields them)."""
        self.record_count += 1
        key = (record.source, record.index)
        if key != self._last:
            self.message_count += 1
            self._last = key
        if record.recipient is None and record.group is None:
            self.groups[ERROR if record.error else NOT_A_BOUNCE] += 1
            return
        self.recipients += 1
        self.groups[record.group or "undefined"] += 1
        self.hard["hard" if record.hard else "soft"] += 1
        self.formats[record.format or "unknown"] += 1
        if record.recipient and "@" in record.recipient:
            self.domains[record.recipient.rsplit("@", 1)[1].lower()] += 1
        if record.diagnostic:
            key_text = diagnostic_key(record.diagnostic)
            if key_text in self.diagnostics or len(self.diagnostics) < _MAX_DIAGNOSTICS:
                self.diagnostics[key_text] += 1

    def update(self, records: Iterable[Record]) -> None:
        for record in records:
            self.add(record)

    def to_dict(self) -> dict[str, Any]:
        """A new dict: totals, then each count table sorted by count (descending), then name."""
        def ranked(counter: Counter[str], limit: int | None = None) -> dict[str, int]:
            items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            return dict(items[:limit] if limit else items)

        return {
            "messages": self.message_count,
            "records": self.record_count,
            "recipients": self.recipients,
            "groups": ranked(self.groups),
            "hard_soft": ranked(self.hard),
            "formats": ranked(self.formats),
            "domains": ranked(self.domains, self.top),
            "top_diagnostics": [{"diagnostic": k, "count": v}
                                for k, v in ranked(self.diagnostics, self.top).items()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_table(self) -> str:
        """The summary as plain text tables (count, share of recipients, name)."""
        d = self.to_dict()
        lines = [f"messages   {d['messages']}", f"records    {d['records']}", f"recipients {d['recipients']}"]

        def section(title: str, counts: dict[str, int], base: int) -> None:
            lines.append("")
            lines.append(title)
            if not counts:
                lines.append("  (none)")
            for name, count in counts.items():
                share = f"{100 * count / base:5.1f}%" if base else "     -"
                lines.append(f"  {count:>9}  {share}  {name}")

        section("by group", d["groups"], d["records"])
        section("hard / soft", d["hard_soft"], d["recipients"])
        section("by format", d["formats"], d["recipients"])
        section(f"by receiving domain (top {self.top})", d["domains"], d["recipients"])
        section(f"top diagnostics (top {self.top})",
                {row["diagnostic"]: row["count"] for row in d["top_diagnostics"]}, d["recipients"])
        return "\n".join(lines) + "\n"
