"""Active!Hunter, a Japanese mail filter/gateway (TransWARE).

``From: "MAILER-DAEMON" <MAILER-DAEMON@host>``, ``Subject: FAILURE NOTICE : original subject``,
MIME boundaries that contain ``Active!Hunter``. A Sendmail-like text::

      ----- The following addresses had permanent fatal errors -----
    >>> user@example.org <user@example.org>

      ----- Transcript of session follows -----
    550 sorry, no mailbox here by that name (#5.1.1 - chkusr)

The list lines start with ``>>>``; the transcript is the remote reply, for every listed recipient.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import TRANSCRIPT_HEADING, evidence

_LIST = re.compile(r"(?im)^[^\S\n]*-+\s*The following addresses had permanent fatal errors\s*-+\s*$")


class ActiveHunter:
    name = "activehunter"

    def matches(self, mail: Mail) -> bool:
        return mail.subject.startswith("FAILURE NOTICE :") or "Active!Hunter" in (
            mail.boundary or "")

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        start, transcript = _LIST.search(text), TRANSCRIPT_HEADING.search(text)
        if not start:
            return []
        end = transcript.start() if transcript else len(text)
        listed = addresses.find_addresses(text[start.end():end])
        words = ""
        if transcript:
            lines = []
            for line in text[transcript.end():].splitlines():
                if not line.strip():
                    if lines:
                        break
                    continue
                lines.append(line.strip())
            words = unfold(" ".join(lines))
        return [evidence(recipient, words) for recipient in listed]
