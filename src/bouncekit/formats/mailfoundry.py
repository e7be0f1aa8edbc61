"""MailFoundry gateway reports.

Subject "Message delivery has failed", a ``Received`` header naming ``(MAILFOUNDRY)``; the
text part reads::

    Unable to deliver message to: <user@example.org>
    Delivery failed for the following reason:
    mx.example.org[192.0.2.1] responded with failure: 552 mailbox is full (#5.2.2)

    This has been a permanent failure. No further delivery attempts will be made.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_BLOCK = re.compile(
    r"(?im)^[^\S\n]*Unable to deliver message to:\s*<?([^\s<>]+@[^\s<>]+)>?\s*\n"
    r"(?:\s*Delivery failed for the following reason:\s*\n)?((?:[ \t]*\S.*\n?)*)"
)
_RESPONDED = re.compile(r"(?i)^\s*([\w.-]+)(?:\[[\d.:a-f]+\])?\s+responded with failure:\s*")


class MailFoundry:
    name = "mailfoundry"

    def matches(self, mail: Mail) -> bool:
        if mail.subject.strip().lower() != "message delivery has failed":
            return False
        return any("(MAILFOUNDRY)" in r for r in mail.headers("Received")[:4])

    def parse(self, mail: Mail) -> list[Evidence]:
        out = []
        for m in _BLOCK.finditer(mail.body):
            reason = " ".join(m.group(2).split())
            host = None
            r = _RESPONDED.match(reason)
            if r:
                host, reason = r.group(1).lower(), reason[r.end():]
            out.append(evidence(m.group(1), reason, remote_mta=host))
        return out
