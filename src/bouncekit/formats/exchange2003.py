"""Microsoft Exchange 2000/2003 (and the Internet Mail Service of Exchange 5.5) reports.

No DSN fields; the text part reads::

    Your message

      To:      someone@example.com
      Subject: ...
      Sent:    Thu, 29 Apr 2010 00:00:00 -0000

    did not reach the following recipient(s):

    user@example.org on Thu, 29 Apr 2010 00:00:00 -0000
        The recipient name is not recognized
        MSEXCH:IMS:ORG:SITE:SERVER 0 (000C05A6)
    Unknown Recipient

Recognised by the Exchange headers (``X-MS-Embedded-Report``, ``X-Mailer``/``Received`` naming
"Internet Mail Service", ``X-MimeOLE: Produced By Microsoft Exchange``) or by a body that opens
with "Your message" and says "did not reach the following recipient(s)".
No enhanced or SMTP code is reported; of the MSEXCH line only the title after the internal error number is kept.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_MARK = re.compile(r"(?im)^[^\S\n]*did not reach the following recipient\(?s?\)?:?\s*$")
# "user@example.org on <date>", or an X.400 form "c=US;a= ;p=ORG;o=SITE;dda:SMTP=user@example.org; on <date>"
_RECIPIENT = re.compile(r"^\s*(?:\S*?dda:SMTP=)?([^\s;][^\s;@]*@[^\s;]+);?\s+on\s+\w")
_CLOCK = re.compile(r"^\s*\d{1,2}:\d{2}(?::\d{2})?\s+[-+]\d{4}\s*$")  # the date's wrapped tail
_INTERNAL = re.compile(r"^(?:\s*The MTS-ID of the original message|.*;l=\S+\s*$)")  # the MTS-ID and its wrapped tail
# "MSEXCH:IMS:ORG:SITE:SERVER 0 (000C05A6) Unknown Recipient": the internal error number goes, its title stays
_MSEXCH = re.compile(r"^\s*MSEXCH:[^()]*?(?:\s+\d+)?\s*\(\s*[0-9A-Fa-f]{8}\s*\)\s*|^\s*MSEXCH:\S+\s*")


class Exchange2003:
    name = "exchange2003"

    def matches(self, mail: Mail) -> bool:
        if mail.has_header("X-MS-Embedded-Report"):
            return True
        mailer = mail.header("X-Mailer") + " " + mail.header("X-MimeOLE")
        if "Internet Mail Service" in mailer or "Produced By Microsoft Exchange" in mailer:
            return True
        if any("with Internet Mail Service" in r for r in mail.headers("Received")[:3]):
            return True
        head = mail.body_head(400)
        return head.startswith("Your message") and "did not reach" in head

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _MARK.search(mail.body)
        if not m:
            return []
        out: list[Evidence] = []
        rcpt: str | None = None
        words: list[str] = []
        lines = mail.body[m.end():].splitlines() + [""]
        for i, line in enumerate(lines):
            r = _RECIPIENT.match(line)
            if not line.strip() and rcpt:
                # HTML-made text puts blank lines between the indented lines: a blank line ends the
                # recipient's block only when what follows is not indented
                following = next((ln for ln in lines[i + 1:i + 6] if ln.strip()), "")
                if following[:1] in (" ", "\t", "\xa0") and not _RECIPIENT.match(following):
                    continue
            if r or (not line.strip() and rcpt):
                if rcpt:
                    out.append(evidence(rcpt, " ".join(words)))
                    rcpt, words = None, []
                if r:
                    rcpt = addresses.normalize(r.group(1))
                elif out:
                    break
            elif rcpt and line.strip() and not _INTERNAL.match(line) and not _CLOCK.match(line):
                words.append(_MSEXCH.sub("", line).strip())
        return out
