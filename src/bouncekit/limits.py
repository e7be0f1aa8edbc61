"""How much of a message bouncekit reads, and for how long: the :class:`Limits` of one parse.

Bounce mailboxes collect the worst mail there is. Every bound below keeps one message from
costing unbounded time or memory; each has a safe default, chosen so that the worst message of
the hostile corpus (``scripts/hostile_corpus.py``) costs well under 100 ms and 50 MB of extra
memory (``benchmarks/worst_case.py`` prints the figures; ``docs/limits.md`` quotes them).

A bound that cuts something leaves a sentence in ``Report.errors`` saying what was not read, and
the deliveries found in what was read are still reported. ``None`` turns a bound off.

    >>> from bouncekit import Limits, parse
    >>> report = parse(b"Subject: hi\\n\\n" + b"x" * 100, limits=Limits(max_bytes=50))
    >>> report.errors[0]
    'The message is 113 bytes long; only the first 50 bytes were read (truncated).'
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on the work spent on one message. Pass to ``parse(data, limits=...)``,
    ``classify_paths(..., limits=...)`` or the CLI's ``--max-bytes`` / ``--time-budget`` options."""

    max_bytes: int | None = 1 << 20
    """Bytes of a message read (1 MiB). The rest, usually the returned original and its
    attachments, is skipped: the report says it was truncated."""
    max_lines: int | None = 2000
    """Lines read (a 150 KB base64 attachment; the explanation of a bounce is at its top). Bounds the work of the MIME parser and of the decoders, which is per line."""
    max_line_length: int | None = 8192
    """Bytes of one line examined (8 KiB, eight times RFC 5322's 998); longer lines are cut."""
    max_depth: int | None = 16
    """MIME containers read (multipart parts, each declaring a boundary, and quoted
    message/rfc822 parts), so also the nesting depth; what follows the last one allowed is not read."""
    max_parts: int | None = 100
    """MIME parts read (counted by their boundary lines); the rest of the message is not read."""
    max_headers: int | None = 500
    """Header fields examined per part; the further ones are ignored."""
    max_recipients: int | None = 128
    """Recipients reported per message; the report says how many more there were."""
    max_diagnostic_length: int | None = 2000
    """Characters of one recipient's diagnostic kept and examined by the rules."""
    time_budget: float | None = 0.5
    """CPU seconds one message may take. Past it, parsing stops: the deliveries classified so far
    are kept and the report says the budget ran out (see ``docs/limits.md`` for how it is enforced)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "time_budget":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError(f"Limits.time_budget must be a number of seconds or None, not {type(value).__name__}.")
                if not value > 0:
                    raise ValueError(f"Limits.time_budget must be a positive number of seconds, not {value!r}.")
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Limits.{f.name} must be an int or None, not {type(value).__name__}.")
            if value < 1:
                raise ValueError(f"Limits.{f.name} must be at least 1, not {value!r}.")

    @classmethod
    def unlimited(cls) -> Limits:
        """No bound at all (for trusted input, or to measure what the bounds cost)."""
        return cls(**{f.name: None for f in fields(cls)})


#: The defaults, shared.
DEFAULT_LIMITS = Limits()

__all__ = ["DEFAULT_LIMITS", "Limits"]
