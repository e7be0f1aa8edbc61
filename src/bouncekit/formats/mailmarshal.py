"""Trustwave (Marshal) MailMarshal SMTP reports.

Subject ``Undeliverable Mail: "<original subject>"``, no DSN; the text reads::

    Your message:
       From:    sender@example.com
       Subject: ...

    Could not be delivered because of

    550 5.1.1 User unknown

    The following recipients were affected:
        user@example.org

    Additional Information
    ======================
    Remote-MTA:         <192.0.2.2>

One reason is given for all the recipients listed.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_REASON = re.compile(r"(?is)Could not be delivered because of\s*\n(.*?)\n\s*The following recipients were affected:?"
                     r"(.*?)(?:\n\s*Additional Information|\Z)")
_REMOTE = re.compile(r"(?im)^[^\S\n]*Remote-MTA:\s*<?([\w.:-]+)>?")


class MailMarshal:
    name = "mailmarshal"

    def matches(self, mail: Mail) -> bool:
        return mail.subject.startswith("Undeliverable Mail:") and "Your message:" in mail.body[:200]

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _REASON.search(mail.body)
        if not m:
            return []
        remote = _REMOTE.search(mail.body[m.end():])
        reason = " ".join(m.group(1).split())
        return [evidence(a, reason, remote_mta=remote.group(1).lower() if remote else None)
                for a in dict.fromkeys(addresses.find_addresses(m.group(2)))]
