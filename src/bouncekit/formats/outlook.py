"""Outlook.com / Hotmail (Microsoft's consumer mail) delivery status notifications.

An RFC 3464 report, subject "Delivery Status Notification (Failure)" or "Undeliverable: ...", from
``postmaster@mail.hotmail.com`` (or ``postmaster@hotmail.com`` / ``postmaster@outlook.com``),
sent through hosts named ``BLU004-OMC3S13.hotmail.com`` with ``X-Message-Delivery`` and
``X-Message-Info`` headers. The DSN fields carry what there is; a newer report may also hold the
Exchange administrators' section, which :func:`._microsoft.microsoft_evidence` reads.

Recognised by a postmaster sender at a hotmail/outlook.com host, or by the ``X-Message-Delivery``
header together with a Hotmail host in the Message-ID.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._microsoft import microsoft_evidence

_HOTMAIL = re.compile(r"(?i)\bpostmaster@(?:mail\.)?(?:hotmail|outlook|live|msn)\.")


class Outlook:
    name = "outlook"

    def matches(self, mail: Mail) -> bool:
        if _HOTMAIL.search(mail.sender):
            return True
        return mail.has_header("X-Message-Delivery") and "hotmail" in mail.header("Message-ID").lower()

    def parse(self, mail: Mail) -> list[Evidence]:
        return microsoft_evidence(mail)
