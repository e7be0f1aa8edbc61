"""Lotus Notes SMTP MTA (the gateway before Domino) reports.

Subject "Undeliverable message", no DSN; the text reads::

    ------- Failure Reasons  --------

    User  not listed in public Name & Address Book
    user@example.org

    ------- Returned Message --------

Recognised by that subject and the "Failure Reasons" banner at the top of the body.
Each address listed takes the reason lines above it.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_BANNER = re.compile(r"(?m)^-+ *Failure Reasons *-+\s*$")
_END = re.compile(r"(?m)^-+ *Returned Message *-+")


class Notes:
    name = "notes"

    def matches(self, mail: Mail) -> bool:
        return mail.subject.lower().startswith("undeliverable message") and "Failure Reasons" in mail.body[:300]

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _BANNER.search(mail.body)
        if not m:
            return []
        section = mail.body[m.end():]
        end = _END.search(section)
        section = section[: end.start()] if end else section
        out: list[Evidence] = []
        reason: list[str] = []
        for line in section.splitlines():
            found = addresses.find_addresses(line)
            if found and line.strip().strip("<>") in found:
                out += [evidence(a, " ".join(reason)) for a in found]
            elif line.strip():
                reason.append(line.strip())
            elif out:
                reason = []
        return out
