"""The console's search form: read from query parameters, checked, turned into the log API's filters.

Kept apart from the web framework, so the pages, the CSV download and the JSON API read a search
the same way, and so it can be tested without one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from ..log import ORDERS
from ..model import Group

#: Days the default date range spans, today (UTC) included.
DEFAULT_DAYS = 7
#: Results the error log page shows at most, and per page.
MAX_SHOWN = 100
PER_PAGE = 10

#: The sortable columns of the results table: (order key, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("received", "Date"), ("recipient", "Destination"), ("subject", "Subject"), ("error", "Error reason"),
)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def today() -> date:
    return datetime.now(timezone.utc).date()


@dataclass
class Search:
    """One search as the form has it (text as typed), and the problems found in it."""

    start: str = ""
    end: str = ""
    error: str = ""
    group: str = ""
    kind: str = ""
    """``hard``, ``soft`` or empty (both)."""
    to: str = ""
    failures_only: bool = True
    order: str = "-received"
    page: int = 1
    problems: list[str] = field(default_factory=list)
    """Sentences saying what is wrong with the search; when any, nothing is searched."""

    @classmethod
    def from_params(cls, params: Mapping[str, str], lists: Mapping[str, Sequence[str]] | None = None,
                    *, now: date | None = None) -> Search:
        """Read a search from query parameters (``lists``: every value of a repeated parameter)."""
        day = now or today()
        s = cls(start=params.get("start", "").strip(), end=params.get("end", "").strip(),
                error=params.get("error", "").strip(), group=params.get("group", "").strip().lower(),
                kind=params.get("kind", "").strip().lower(), to=params.get("to", "").strip())
        if not s.end:
            s.end = day.isoformat()
        if not s.start:
            try:
                base = date.fromisoformat(s.end) if _is_day(s.end) else day
            except ValueError:
                base = day
            s.start = (base - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        first, last = _check_day(s.start, "start", s.problems), _check_day(s.end, "end", s.problems)
        if first and last and first > last:
            s.problems.append(f"The start date {s.start} is after the end date {s.end}.")
        if s.group and s.group not in {g.value for g in Group}:
            s.problems.append(f"“{s.group}” is not an error group.")
        if s.kind not in ("", "hard", "soft"):
            s.problems.append(f"“{s.kind}” is neither hard nor soft.")
        # a checkbox: the form sends failures=0 (hidden) and, when ticked, failures=1 after it
        values = list(lists.get("failures", ())) if lists is not None else []
        if not values and "failures" in params:
            values = [params["failures"]]
        s.failures_only = (values[-1] != "0") if values else True
        order = params.get("order", "-received").strip()
        s.order = order if order.lstrip("-") in ORDERS else "-received"
        try:
            s.page = max(1, int(params.get("page", "1")))
        except ValueError:
            s.page = 1
        return s

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``BounceLog.search``/``count``/``entries``/``export_csv``."""
        return dict(start=self.start, end=self.end, error=self.error or None, group=self.group or None,
                    to=self.to or None, hard={"hard": True, "soft": False}.get(self.kind),
                    failures_only=self.failures_only)

    def params(self, **changes: Any) -> dict[str, str]:
        """The search as query parameters (for links), with ``changes`` applied; empty ones left out."""
        values: dict[str, Any] = dict(start=self.start, end=self.end, error=self.error, group=self.group,
                                      kind=self.kind, to=self.to, failures="1" if self.failures_only else "0",
                                      order=self.order, page=self.page)
        values.update(changes)
        if values.get("order") == "-received":
            values.pop("order")
        if values.get("page") in (1, "1", None):
            values.pop("page", None)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    def sort_link(self, key: str) -> tuple[str, str]:
        """(query string, arrow) for a column heading: sort by ``key``, or flip it if it is the sort."""
        if self.order == key:
            return self.query(order="-" + key, page=1), "▲"
        if self.order == "-" + key:
            return self.query(order=key, page=1), "▼"
        return self.query(order="-" + key if key == "received" else key, page=1), ""


def _is_day(text: str) -> bool:
    return bool(_DAY.fullmatch(text))


def _check_day(text: str, what: str, problems: list[str]) -> date | None:
    if _is_day(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    problems.append(f"The {what} date “{text}” is not a date of the form YYYY-MM-DD (for example {today()}).")
    return None


def pages(total: int, page: int) -> tuple[int, int, int]:
    """(shown, page count, page): at most :data:`MAX_SHOWN` results, :data:`PER_PAGE` per page."""
    shown = min(total, MAX_SHOWN)
    count = max(1, -(-shown // PER_PAGE))
    return shown, count, min(max(page, 1), count)
