"""When a bounce puts its address on the suppression list: the policy, as pure functions.

- A **hard** bounce (retrying cannot help: unknown user, unknown domain, moved) suppresses at once.
- A **complaint** (an ARF abuse report) suppresses at once.
- **Soft** failures score: one point per UTC calendar day with at least one final soft failure
  (action ``failed``, not hard) for the address. A *delay* notice (action ``delayed``) scores
  nothing: the sending MTA is still trying, and its final verdict will be counted. Only days
  inside ``soft_window_days`` up to the bounce count, and a quiet spell of more than
  ``soft_reset_days`` without failures resets the score. At ``soft_threshold`` points the address
  is suppressed.
- An address **marked valid** starts from zero: bounces dated before the mark do not count, and
  it goes back on the list by the same rules if it keeps failing.

Defaults and why (``docs/log.md`` compares them with Mailman and listmonk): 5 points, 35-day
window, reset after 14 quiet days. Counting days rather than bounces means one outage that
makes an MTA send ten notices counts once (Mailman's one-score-per-day rule); five failing days
are needed (Mailman's threshold of 5), and the 35-day window lets a weekly sender reach them
(five weekly sends span 28 days) while 14 quiet days (two clean weekly sends) forgive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SuppressionPolicy:
    """The knobs of the suppression policy (see the module docstring)."""

    soft_threshold: int = 5
    """Days with a soft failure that suppress the address; 0 turns soft suppression off."""
    soft_window_days: int = 35
    """Only soft failures in this many days up to the latest one count."""
    soft_reset_days: int = 14
    """A gap of more than this many days without failures resets the score."""
    hard: bool = True
    """A hard bounce suppresses at once."""
    complaints: bool = True
    """An abuse report (complaint) suppresses at once."""

    def __post_init__(self) -> None:
        for name in ("soft_threshold", "soft_window_days", "soft_reset_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"The suppression policy's {name} must not be negative.")


#: The policy a log uses unless told otherwise.
DEFAULT_POLICY = SuppressionPolicy()


def soft_score(days: Iterable[date], /, *, as_of: date, policy: SuppressionPolicy = DEFAULT_POLICY,
               since: date | None = None) -> int:
    """The soft-bounce score on ``as_of``: the failing days counted by ``policy``.

    ``days`` are the UTC dates of the address's soft failures (repeats are fine); ``since`` is
    the day the address was marked valid (failures on or before it do not count).
    """
    window_start = as_of.toordinal() - policy.soft_window_days
    kept = sorted({d for d in days
                   if window_start < d.toordinal() <= as_of.toordinal() and (since is None or d > since)},
                  reverse=True)
    score = 0
    previous = as_of
    for day in kept:
        if (previous - day).days > policy.soft_reset_days:
            break
        score += 1
        previous = day
    return score


def decide(kind: str, *, score: int = 0, policy: SuppressionPolicy = DEFAULT_POLICY) -> bool:
    """Whether a failure of ``kind`` (``hard``, ``complaint``, ``soft``, ``delay``) suppresses now."""
    if kind == "hard":
        return policy.hard
    if kind == "complaint":
        return policy.complaints
    if kind == "soft":
        return policy.soft_threshold > 0 and score >= policy.soft_threshold
    return False


__all__ = ["DEFAULT_POLICY", "SuppressionPolicy", "decide", "soft_score"]
