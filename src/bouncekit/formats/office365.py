"""Microsoft 365 (Office 365, Exchange Online) non-delivery reports.

The Exchange 2007+ layout (see :mod:`._microsoft`) sent from Microsoft's cloud: "Delivery has
failed to these recipients or groups:", the administrators' section with "Generating server:
XXX.prod.outlook.com" and "Remote Server returned '...'" (or, in the newer layout, "Your message to
X couldn't be delivered" ... "Reported error: 550 5.1.10 ..."), and mostly a DSN part too.

Recognised by the sender's or Message-ID's Microsoft cloud host (``*.prod.outlook.com``,
``*.protection.outlook.com``, ``*.exchangelabs.com``, ``*.onmicrosoft.com``, ``postmaster@outlook.com``)
together with an NDR marker (``X-MS-Exchange-Message-Is-Ndr`` or an "Undeliverable"-style subject).
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._microsoft import microsoft_evidence
from .exchange2007 import _SUBJECT

_CLOUD = re.compile(r"(?i)(?:prod\.outlook\.com|protection\.outlook\.com|exchangelabs\.com|onmicrosoft\.com"
                    r"|postmaster@outlook\.com)>?\s*\)?$")


class Office365:
    name = "office365"

    def matches(self, mail: Mail) -> bool:
        if not mail.has_header("X-MS-Exchange-Message-Is-Ndr") and not _SUBJECT.match(mail.subject):
            return False
        return bool(_CLOUD.search(mail.header("Message-ID")) or _CLOUD.search(mail.sender.split("(")[0].strip()))

    def parse(self, mail: Mail) -> list[Evidence]:
        return microsoft_evidence(mail)
