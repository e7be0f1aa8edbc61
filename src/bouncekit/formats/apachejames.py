"""Apache James, the Java mail server.

A plain reply to the sender (often ``Subject: Re:original subject``), Message-ID ending in
``.JavaMail...``, and a text part::

    Error: Invalid user address

    Error message below:
    550 - Requested action not taken: no such user here

    Message details:
      Subject: Test message
      MAIL FROM: sender@example.com
      RCPT TO: user@example.org

The recipients are the ``RCPT TO:`` of "Message details" (comma separated); the line(s) after
"Error message below:" are the reply.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_BELOW = re.compile(r"(?im)^Error message below:\s*\n(.*?)(?=^\s*$|^Message details:)", re.S)
_RCPT = re.compile(r"(?im)^[^\S\n]*RCPT TO:\s*(.+)$")


class ApacheJames:
    name = "apachejames"

    def matches(self, mail: Mail) -> bool:
        return "JavaMail" in mail.header("Message-ID") and "Message details:" in mail.body[:2000]

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        rcpt = _RCPT.search(text)
        if not rcpt:
            return []
        below = _BELOW.search(text)
        words = unfold(below.group(1)) if below else ""
        words = re.sub(r"^([245]\d\d) - ", r"\1 ", words)  # "550 - Requested action..." -> a plain reply
        return [evidence(r, words) for r in addresses.find_addresses(rcpt.group(1))]
