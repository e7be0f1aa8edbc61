"""m-FILTER (Digital Arts) mail gateway reports, Japanese.

``X-Mailer: m-FILTER`` (some installations rename it), subject "failure notice", no DSN; after a
Japanese explanation come the failed addresses, one a line, then sections under dashed titles::

    kijitora@example.com

    -------server message
    550 unknown user <kijitora@example.com>

    -------SMTP command
    DATA

    -------original message

Recognised by the X-Mailer, or by the "-------server message" section near the top of a
"failure notice".
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import _canonical_command, evidence

_SECTION = re.compile(r"(?m)^-{5,}\s*(server message|SMTP command|original (?:message|mail info))\s*$")


class MFilter:
    name = "mfilter"

    def matches(self, mail: Mail) -> bool:
        if "m-FILTER" in mail.header("X-Mailer"):
            return True
        return mail.subject.strip().lower() == "failure notice" and "-------server message" in mail.body[:2000]

    def parse(self, mail: Mail) -> list[Evidence]:
        parts = _SECTION.split(mail.body)
        if len(parts) < 3:
            return []
        sections = {parts[i].lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
        head = parts[0].strip().splitlines()
        recipients = [a for line in head if line.strip() for a in addresses.find_addresses(line)
                      if line.strip().strip("<>") == a]
        message = " ".join(sections.get("server message", "").split())
        command = sections.get("smtp command", "").split()
        cmd = _canonical_command(command[0]) if command else None
        # a "failure notice" is final: m-FILTER does not report delays this way, whatever the code
        return [evidence(a, message, command=cmd, action="failed") for a in dict.fromkeys(recipients)]
