"""qmail and netqmail (and vpopmail/vdelivermail behind them).

``From: MAILER-DAEMON@host``, ``Subject: failure notice``, no DSN part. The body::

    Hi. This is the qmail-send program at mx.example.jp.
    I'm afraid I wasn't able to deliver your message to the following addresses.
    This is a permanent error; I've given up. Sorry it didn't work out.

    <user@example.org>:
    192.0.2.25 does not like recipient.
    Remote host said: 550 5.1.1 <user@example.org>: Recipient address rejected: User unknown
    Giving up on 192.0.2.25.

    --- Below this line is a copy of the message.

One paragraph per recipient. qmail's own sentence names the SMTP stage ("does not like
recipient" = RCPT, "sender was rejected" = MAIL, "my name was rejected" = HELO, "failed after I
sent the message" = DATA); "Remote host said:" introduces the server's words. Local failures
are qmail's sentence alone, often with a code in brackets: "(#5.1.1)".
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_RECIPIENT = re.compile(r"^<([^<>\s]+)>:\s*$")
_STAGES = (
    (re.compile(r"(?i)does not like recipient|most progress was RCPT|\[RCPT_TO\]"), "RCPT"),
    (re.compile(r"(?i)sender was rejected|most progress was MAIL"), "MAIL"),
    (re.compile(r"(?i)my name was rejected|most progress was (?:HELO|EHLO)"), "HELO"),
    (re.compile(r"(?i)failed after I sent the message|failed on DATA command|most progress was DATA"), "DATA"),
    (re.compile(r"(?i)wasn't able to establish an SMTP connection|no SMTP connection got far enough"), "CONN"),
)
_HOST = re.compile(r"(?i)(?:^|\s)(?:Connected to\s+|remote host\s+)?(\d{1,3}(?:\.\d{1,3}){3}|[\w-]+(?:\.[\w-]+)+)"
                   r"\s+(?:but |does not like|failed|said:)")
_GAVE_UP = re.compile(r"(?is)(?<!\s)\s*I'm not going to try again;.*$")
_SAID = re.compile(r"(?i)Remote host said:\s*")
# Bookkeeping, not the server's words; "I'm not going to try again; ... too long." stays (it says why).
_TRAILER = re.compile(r"(?is)(?<!\s)\s*Giving up on \S+?\.?(?=\s|$)|(?<!\s)\s*\(Other MXes tried:.*$")


class Qmail:
    name = "qmail"

    def matches(self, mail: Mail) -> bool:
        if mail.subject.lower() == "failure notice" and "mailer-daemon" in mail.sender:
            return True
        return "qmail-send program" in mail.body[:300]

    def parse(self, mail: Mail) -> list[Evidence]:
        out: list[Evidence] = []
        recipient: str | None = None
        lines: list[str] = []
        for line in mail.body.splitlines() + [""]:
            m = _RECIPIENT.match(line.strip())
            if m or (not line.strip() and recipient):
                if recipient:
                    out.append(self._one(recipient, lines))
                recipient, lines = (addresses.normalize(m.group(1)), []) if m else (None, [])
            elif recipient:
                lines.append(line.strip())
        return out

    @staticmethod
    def _one(recipient: str, lines: list[str]) -> Evidence:
        text = unfold(" ".join(lines))
        command = next((cmd for pattern, cmd in _STAGES if pattern.search(text)), None)
        host = _HOST.search(text)
        said = _SAID.search(text)
        words = text[said.end():] if said else text
        words = _TRAILER.sub("", words)
        if said:  # the server's reply says why; qmail's "not going to try again" note would blur it
            words = _GAVE_UP.sub("", words)
        return evidence(recipient, words, command=command, remote_mta=host.group(1).lower() if host else None)
