"""Finding SMTP reply codes (RFC 5321) and enhanced status codes (RFC 3463) in free text.

Bounce text is full of things shaped like codes that are not: IPv4 addresses (``192.0.2.1``),
dates (``2014.06.21``), version strings (``8.14.4``), queue ids. We mask those before looking,
and we prefer a specific code (``5.1.1``) over a generic one (``5.0.0``) when a text holds both.
Only codes seen in the text are returned; nothing is inferred here.
"""

from __future__ import annotations

import functools
import re

from ._prefilter import may_hold

# Things that look like codes but are not. Replaced by spaces of the same length, so that
# positions in the masked text still point at the same characters of the original.
_NOISE = re.compile(
    r"""
    (?=[0-9]|v\d|[0-9a-fA-F]{1,4}:)  # (how a match can start: a quick test at each position; a hex
                                  # letter only starts an IPv6 group, a 'v' only a version)
    (?:
      \d{1,3}(?:\.\d{1,3}){3}(?:[.:]\d+)?         # IPv4 address (with port or 5th part)
    | \d{4}[./-]\d{1,2}[./-]\d{1,2}               # ISO-ish date 2014.06.21 / 2014-06-21
    | \d{1,2}[/-]\d{1,2}[/-]\d{2,4}               # 06/21/14, 21-06-2014
    | \d{1,2}\.\d{1,2}\.\d{4} | \d{2}\.\d{1,2}\.\d{2}  # 21.06.2014, 21.06.14 (not 5.7.25: a status)
    | \d{1,2}:\d{2}(?::\d{2})?                    # clock time
    | (?<=[A-Za-z_-]/)v?\d+\.\d+\.\d+[\w.-]*     # the version of Sendmail/8.14.4
    | (?<=[A-Za-z_-]\ )v?(?![245]\.\d\.\d)\d+\.\d+\.\d+[\w.-]*  # of Exim 4.92.1 (not "said 5.1.1")
    | \bv\d+(?:\.\d+)+                            # v2.0.3
    | (?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}  # IPv6-ish
    )
    """,
    re.VERBOSE,
)

# These patterns begin with the code's first digit and check what precedes it just after it (a
# lookbehind over that character and the digit): a pattern that begins with a character class lets
# the regex engine skip to the next 2, 4 or 5 instead of trying every position (2-4 times faster).
# tests/test_codes.py compares them with the lookbehind-first forms they replace.

# Enhanced status code: class 2/4/5, subject 0-9 (RFC 3463 defines 0-7; vendors go further),
# detail up to 3 digits. Not glued to other digits or dots on either side.
_STATUS = re.compile(r"([245])(?<![\w.][245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)")

# Reply code at the start of a reply line, alone or followed by space, "-" (continuation) or
# end of text: "550 5.1.1 ...", "550-5.1.1 ...", "550".
_REPLY_LEAD = re.compile(r"^\s*[(\[]?([245][0-5]\d)(?:[ \-\])]|$)")
# Reply code anywhere: followed by a space/dash and an enhanced code, or by "-"/" " and words.
_REPLY_WITH_STATUS = re.compile(r"([245](?<![\w.#:/-][245])[0-5]\d)[ \-]+[(\[]?[245]\.\d{1,3}\.\d{1,3}")
# (at the start of a line or after a blank or one of :;(["' -- a line start is after a \n, a blank)
_REPLY_LOOSE = re.compile(
    r"([245](?<![^\s:;(\[\"'][245])[0-5]\d)(?=[ \-][A-Za-z<#(\[]|$)", re.MULTILINE
)
_SAID = re.compile(
    r"(?i)(?:said|says|responded|response|answered|replied|reply|error|returned|refused|rejected)"
    r"\s*(?:was|is|with)?\s*[:=]?\s*\(?([245][0-5]\d)\b"
)
# What every _SAID match contains (see bouncekit._prefilter): a text without any is not searched.
_SAID_NEEDS = ("responded", "answered", "rejected", "response", "returned", "refused", "replied", "error", "reply",
               "said", "says")


@functools.lru_cache(maxsize=512)
def mask_noise(text: str) -> str:
    """Blank out IP addresses, dates, times and version strings, keeping positions.

    Cached: a decoder asks for the status and then the reply code of the same text.
    """
    return _NOISE.sub(_blank, text)


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def is_status(code: str | None) -> bool:
    """True for a well-formed enhanced status code such as ``5.1.1``."""
    return bool(code) and _STATUS.fullmatch(code or "") is not None


def is_generic(code: str | None) -> bool:
    """True for codes that say little (``5.0.0``, ``4.0.0``, ``5.7.1``, ``5.5.0``): wording refines them."""
    return code in {"5.0.0", "4.0.0", "2.0.0", "5.7.1", "4.7.1", "5.5.0", "4.4.0", "5.1.0", "5.7.0", "4.7.0", "5.2.0"}


def find_statuses(text: str) -> list[str]:
    """All enhanced status codes in ``text``, in order of appearance, noise masked."""
    if not text or "." not in text:
        return []
    masked = mask_noise(text)
    return [".".join(m.groups()) for m in _STATUS.finditer(masked)]


def find_status(text: str) -> str | None:
    """The most telling enhanced status code in ``text``: the first specific one, else the first."""
    found = find_statuses(text)
    if not found:
        return None
    for code in found:
        if not code.endswith(".0.0"):
            return code
    return found[0]


def find_reply_code(text: str) -> str | None:
    """The SMTP reply code of a server's answer quoted in ``text``, or None.

    Looks, in order: at the start of the text, before an enhanced code ("550 5.1.1", "550-5.1.1"),
    after words like "said:"/"error", then at a code standing alone before words.
    """
    if not text:
        return None
    masked = mask_noise(text)
    for pattern in (_REPLY_LEAD, _REPLY_WITH_STATUS, _SAID, _REPLY_LOOSE):
        if pattern is _SAID and not may_hold(masked, _SAID_NEEDS):
            continue
        m = pattern.search(masked)
        if m:
            return m.group(1)
    return None


def consistent(status: str | None, reply_code: str | None) -> bool:
    """True when the classes of the two codes agree (a 550 with a 4.x.x status does not)."""
    if not status or not reply_code:
        return True
    return status[0] == reply_code[0]


# --- Describing codes ---------------------------------------------------------------------------

from dataclasses import dataclass  # noqa: E402  (kept next to the part of the module that uses it)

from ._codes_table import (  # noqa: E402
    ENHANCED,
    REPLY,
    REPLY_SECOND,
    STATUS_SUBJECTS,
)

_OUTCOME = {"2": "success", "3": "intermediate", "4": "temporary failure", "5": "permanent failure"}
_ENHANCED_SHAPE = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})")
_REPLY_SHAPE = re.compile(r"([2345])([0-5])(\d)")


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a reply code or an enhanced status code means."""

    code: str
    """The code as looked up (``550``, ``5.1.1``)."""
    kind: str
    """``reply`` (RFC 5321 reply code) or ``enhanced`` (RFC 3463 enhanced status code)."""
    title: str
    """Short name, e.g. "Bad destination mailbox address"."""
    text: str
    """One or two sentences on what it means."""
    outcome: str
    """What the first digit says: ``success``, ``intermediate``, ``temporary failure`` or
    ``permanent failure``."""
    source: str | None
    """The RFC that defines it; None for a well-formed code that no RFC registers."""

    @property
    def registered(self) -> bool:
        """True when an RFC defines this exact code."""
        return self.source is not None

    def __str__(self) -> str:
        where = f"; {self.source}" if self.source else "; not registered"
        return f"{self.title}: {self.text} ({self.outcome}{where})"


def lookup(code: str, /) -> CodeInfo:
    """What ``code`` (``"550"`` or ``"5.1.1"``) means; ``ValueError`` for something not shaped like one.

    A well-formed code that no RFC registers (``5.1.99``, ``597``) is described by its class and
    subject digits, with ``source`` None.
    """
    text = str(code).strip()
    m = _ENHANCED_SHAPE.fullmatch(text)
    if m:
        cls, subject, detail = m.group(1), str(int(m.group(2))), str(int(m.group(3)))
        canonical = f"{cls}.{subject}.{detail}"
        outcome = _OUTCOME[cls]
        known = ENHANCED.get(f"{subject}.{detail}")
        if known:
            return CodeInfo(canonical, "enhanced", known[0], known[1], outcome, known[2])
        area = STATUS_SUBJECTS.get(subject, "a subject RFC 3463 does not define")
        return CodeInfo(canonical, "enhanced", f"Unregistered {area} code",
                        f"No RFC registers detail {detail} of subject {subject}; only the class "
                        f"and subject digits carry meaning ({area}).", outcome, None)
    m = _REPLY_SHAPE.fullmatch(text)
    if m:
        outcome = _OUTCOME[m.group(1)]
        known_reply = REPLY.get(text)
        if known_reply:
            return CodeInfo(text, "reply", known_reply[0], known_reply[1], outcome, known_reply[2])
        area = REPLY_SECOND[m.group(2)]
        return CodeInfo(text, "reply", f"Unregistered reply code ({area})",
                        f"No RFC defines {text}; its digits say: {area}.", outcome, None)
    raise ValueError(f"{text!r} is neither an SMTP reply code (550) nor an enhanced status code (5.1.1).")


def describe(code: str, /) -> str:
    """A human description of an SMTP reply code or enhanced status code.

        >>> describe("5.1.1").split(".")[0]
        'Bad destination mailbox address'
    """
    return str(lookup(code))
