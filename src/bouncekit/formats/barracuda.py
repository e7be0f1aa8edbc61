"""Barracuda Spam & Virus Firewall reports.

An RFC 3464 report with subject "**Message you sent blocked by our bulk email filter**" (or
"...blocked by our Spam Firewall**"); the text part says "Your message to: user@example.org was
blocked by our Spam Firewall", the DSN carries ``550 5.7.1 Message content rejected, UBE, id=...``.
Recognised by that subject or a ``Reporting-MTA``/``From`` naming a barracuda host.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence

_SUBJECT = re.compile(r"(?i)^\*\*\s*Message you sent blocked by our (?:bulk email filter|spam firewall)")


class Barracuda:
    name = "barracuda"

    def matches(self, mail: Mail) -> bool:
        return bool(_SUBJECT.match(mail.subject)) or "barracuda" in mail.header("X-Barracuda-Connect").lower()

    def parse(self, mail: Mail) -> list[Evidence]:
        return dsn_evidence(mail)
