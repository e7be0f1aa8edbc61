"""OpenSMTPD, the OpenBSD MTA.

``From: Mailer Daemon <MAILER-DAEMON@host>``, ``Subject: Delivery status notification: failed``
(``delayed``, ``error``, ``warning``). The notice is indented, the recipients are not::

        Hi!

        This is the MAILER-DAEMON, please DO NOT REPLY to this email.

        An error has occurred while attempting to deliver a message for
        the following list of recipients:

    user@example.org: 550 5.1.1 <user@example.org>: Recipient address rejected: User unknown

        Below is a copy of the original message:

One line per recipient: the address, a colon, then the remote reply or OpenSMTPD's own words
("Envelope expired", "Domain does not exist"). Newer versions add an RFC 3464 part whose
Status is a bare 5.0.0 and which has no Diagnostic-Code, so the line is what counts.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import combine, dsn_evidence, evidence

# "^\s+": indented, or after a blank line (a \s+ that spans lines would rescan runs of blank lines)
_LIST = re.compile(r"(?im)^(?=\s)[^\S\n]*(?:\n[^\S\n]*)?(?:the following\s+)?list of recipients:\s*$")
_LINE = re.compile(r"^(\S[^\s@]*@\S+):\s+(.+)$")
_END = re.compile(r"(?i)^\s+(?:Below is a copy|Please note that this is only a temporary)")


class OpenSMTPD:
    name = "opensmtpd"

    def matches(self, mail: Mail) -> bool:
        return (mail.subject.lower().startswith("delivery status notification:")
                and "mailer-daemon" in mail.sender) or "This is the MAILER-DAEMON, please DO NOT REPLY" in mail.body[:200]

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        start = _LIST.search(text)
        if not start:
            return []
        delayed = "delayed" in mail.subject.lower() or "is delayed" in text[: start.end()]
        human: dict[str, Evidence] = {}
        for line in text[start.end():].splitlines():
            if _END.match(line):
                break
            m = _LINE.match(line)
            if not m or not (recipient := addresses.normalize(m.group(1))):
                continue
            ev = evidence(recipient, m.group(2).strip())
            code = ev.status or ev.reply_code
            if delayed and not (code and code[0] == "5"):
                ev = evidence(recipient, m.group(2).strip(), action="delayed")
            human.setdefault(recipient.lower(), ev)
        return combine(dsn_evidence(mail), human)
