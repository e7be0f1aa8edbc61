"""RFC 3464 delivery status notifications (and RFC 6533 internationalised ones).

The standard every modern MTA speaks: a ``multipart/report`` whose ``message/delivery-status``
part holds one field block per recipient. Vendor decoders that also send DSNs run before this
one only where their human-readable part says more than the fields do.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence


class RFC3464:
    name = "rfc3464"

    def matches(self, mail: Mail) -> bool:
        return bool(mail.status_blocks)

    def parse(self, mail: Mail) -> list[Evidence]:
        return dsn_evidence(mail)
