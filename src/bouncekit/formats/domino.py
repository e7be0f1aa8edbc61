"""IBM (Lotus) Domino delivery failure reports.

Subject "DELIVERY FAILURE: <reason>" (or "DELIVERY_FAILURE:"), from Postmaster; the text reads::

    Your message

      Subject: ...

    was not delivered to:

      user@example.org

    because:

      User user (user@example.org) not listed in Domino Directory

Newer servers add an RFC 3464 part (``Diagnostic-Code: X-Notes; ...``, status mostly 5.0.0).
Recipients and status come from the DSN when there is one; the reason from the text (it is
decoded with the part's charset, where the DSN field may hold raw ISO-2022-JP).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence

_SUBJECT = re.compile(r"(?i)^DELIVERY[ _]FAILURE:")
_NOT_DELIVERED = re.compile(r"(?ims)^[^\S\n]*was not delivered to:\s*$(.*?)^[^\S\n]*because:\s*$"
                            r"(.*?)(?:\n\s*\n\s*\n|\Z)")


class Domino:
    name = "domino"

    def matches(self, mail: Mail) -> bool:
        return bool(_SUBJECT.match(mail.subject))

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _NOT_DELIVERED.search(mail.body)
        reason = " ".join(m.group(2).split()) if m else ""
        dsn = dsn_evidence(mail)
        if dsn:
            return [replace(ev, diagnostic=reason) if reason else ev for ev in dsn]
        if not m:
            return []
        return [evidence(a, reason) for a in dict.fromkeys(addresses.find_addresses(m.group(1)))]
