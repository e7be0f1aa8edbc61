"""MXLogic (McAfee SaaS Email Protection) reports.

An Exim-derived text bounce, no DSN: subject "Mail delivery failed", ``X-MX-Bounce`` and
``X-MXL-NoteHash`` headers, Message-Id ``<mxl~...>``; the text reads::

    A message that you have sent could not be delivered to one or more
    recipients.  This is a permanent error.  The following address failed:

      <user@example.org>: 550 5.1.1 <user@example.org>: Recipient address rejected

    Included is a copy of the message header:

Each indented address starts a block that runs to the next blank line.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_FAILED = re.compile(r"(?im)^.*following address(?:\(es\)|es)? failed:\s*$")
_END = re.compile(r"(?im)^[^\S\n]*Included is a copy of the message header")
_ADDRESS = re.compile(r"^\s+<?([^\s<>:]+@[^\s<>:]+?)>?:?(?:\s+(.*))?$")


class MXLogic:
    name = "mxlogic"

    def matches(self, mail: Mail) -> bool:
        if mail.has_header("X-MX-Bounce") or mail.has_header("X-MXL-NoteHash"):
            return True
        return mail.header("Message-ID").startswith("<mxl~")

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _FAILED.search(mail.body)
        if not m:
            return []
        section = mail.body[m.end():]
        end = _END.search(section)
        out: list[Evidence] = []
        for block in re.split(r"\n\s*\n", section[: end.start()] if end else section):
            lines = block.strip("\n").splitlines()
            a = _ADDRESS.match(lines[0]) if lines else None
            if a:
                out.append(evidence(a.group(1), " ".join([a.group(2) or ""] + [ln.strip() for ln in lines[1:]])))
        return out
