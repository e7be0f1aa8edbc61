"""Ipswitch IMail Server reports.

Plain text, no DSN, subject "Undeliverable Mail", ``X-Mailer: <SMTP32 v8.12>``; each failed
recipient on a line of its own with the reason before it ("Unknown user: user@example.org",
"Invalid final delivery userid: ...", "Delivery failed 3 attempts: ...") and, for remote
failures, the server's reply under it ("Remote host said: 550 ..."); then "Original message
follows." and the returned message.

Recognised by the ``SMTP32`` X-Mailer (IMail's SMTP service) or the subject with a postmaster sender.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import sender_addresses
from ._scan import scan_text

_REMOTE_SAID = re.compile(r"(?i)\bRemote host said:\s*")


class IMailServer:
    name = "imailserver"

    def matches(self, mail: Mail) -> bool:
        if "SMTP32" in mail.header("X-Mailer"):
            return True
        return mail.subject.strip().lower() == "undeliverable mail" and "postmaster" in mail.sender

    def parse(self, mail: Mail) -> list[Evidence]:
        return scan_text(_REMOTE_SAID.sub("", mail.body), exclude=sender_addresses(mail))
