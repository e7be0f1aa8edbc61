"""Microsoft Exchange Server 2007 and later (on premises) non-delivery reports.

A ``multipart/report`` whose text part says "Delivery has failed to these recipients or groups:"
(localised: "Non remis", "Unzustellbar"...), then "Diagnostic information for administrators:"
with the generating server and, per recipient, the remote server's reply ("Remote Server
returned '...'" or "#550 5.1.1 ... ##"). Older servers may leave out the DSN part.

Recognised by the ``X-MS-Exchange-Message-Is-Ndr`` header, or an "Undeliverable:"-style
subject from a postmaster/daemon with ``Content-Language`` (Exchange always sets it).
Runs after :class:`~.office365.Office365` and :class:`~.outlook.Outlook`, which read the same
layout from Microsoft's hosted services.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._microsoft import microsoft_evidence

_SUBJECT = re.compile(
    r"(?i)^(?:Undeliverable|Undelivered|Non remis|Non distribuable|Unzustellbar|Niet bezorgd|Onbestelbaar"
    r"|No se puede entregar|Non recapitabile|Não é possível entregar|Nie można dostarczyć"
    r"|配信不能|送信不可能|无法送达|無法傳遞)\s*:"
)


class Exchange2007:
    name = "exchange2007"

    def matches(self, mail: Mail) -> bool:
        if mail.has_header("X-MS-Exchange-Message-Is-Ndr"):
            return True
        return bool(_SUBJECT.match(mail.subject)) and mail.has_header("Content-Language")

    def parse(self, mail: Mail) -> list[Evidence]:
        return microsoft_evidence(mail)
