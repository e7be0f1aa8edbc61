"""Finding SMTP reply codes (RFC 5321) and enhanced status codes (RFC 3463) in free text.

Bounce text is full of things shaped like codes that are not: IPv4 addresses (``192.0.2.1``),
dates (``2014.06.21``), version strings (``8.14.4``), queue ids. We mask those before looking,
and we prefer a specific code (``5.1.1``) over a generic one (``5.0.0``) when a text holds both.
Only codes seen in the text are returned; nothing is inferred here.
"""

from __future__ import annotations

import re

# Things that look like codes but are not. Replaced by spaces of the same length, so that
# positions in the masked text still point at the same characters of the original.
_NOISE = re.compile(
    r"""
      \d{1,3}(?:\.\d{1,3}){3}(?:[.:]\d+)?         # IPv4 address (with port or 5th part)
    | \d{4}[./-]\d{1,2}[./-]\d{1,2}               # ISO-ish date 2014.06.21 / 2014-06-21
    | \d{1,2}[/-]\d{1,2}[/-]\d{2,4}               # 06/21/14, 21-06-2014
    | \d{1,2}\.\d{1,2}\.\d{4} | \d{2}\.\d{1,2}\.\d{2}  # 21.06.2014, 21.06.14 (not 5.7.25: a status)
    | \d{1,2}:\d{2}(?::\d{2})?                    # clock time
    | (?<=[A-Za-z_-]/)v?\d+\.\d+\.\d+[\w.-]*     # the version of Sendmail/8.14.4
    | (?<=[A-Za-z_-]\ )v?(?![245]\.\d\.\d)\d+\.\d+\.\d+[\w.-]*  # of Exim 4.92.1 (not "said 5.1.1")
    | \bv\d+(?:\.\d+)+                            # v2.0.3
    | (?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}  # IPv6-ish
    """,
    re.VERBOSE,
)

# Enhanced status code: class 2/4/5, subject 0-9 (RFC 3463 defines 0-7; vendors go further),
# detail up to 3 digits. Not glued to other digits or dots on either side.
_STATUS = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)")

# Reply code at the start of a reply line, alone or followed by space, "-" (continuation) or
# end of text: "550 5.1.1 ...", "550-5.1.1 ...", "550".
_REPLY_LEAD = re.compile(r"^\s*[(\[]?([245][0-5]\d)(?:[ \-\])]|$)")
# Reply code anywhere: followed by a space/dash and an enhanced code, or by "-"/" " and words.
_REPLY_WITH_STATUS = re.compile(r"(?<![\w.#:/-])([245][0-5]\d)[ \-]+[(\[]?[245]\.\d{1,3}\.\d{1,3}")
_REPLY_LOOSE = re.compile(
    r"(?:^|(?<=[\s:;(\[\"']))([245][0-5]\d)(?=[ \-][A-Za-z<#(\[]|$)", re.MULTILINE
)
_SAID = re.compile(
    r"(?i)(?:said|says|responded|response|answered|replied|reply|error|returned|refused|rejected)"
    r"\s*(?:was|is|with)?\s*[:=]?\s*\(?([245][0-5]\d)\b"
)


def mask_noise(text: str) -> str:
    """Blank out IP addresses, dates, times and version strings, keeping positions."""
    return _NOISE.sub(lambda m: " " * len(m.group(0)), text)


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
        m = pattern.search(masked)
        if m:
            return m.group(1)
    return None


def consistent(status: str | None, reply_code: str | None) -> bool:
    """True when the classes of the two codes agree (a 550 with a 4.x.x status does not)."""
    if not status or not reply_code:
        return True
    return status[0] == reply_code[0]
