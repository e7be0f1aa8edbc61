"""AOL's own old notice (before AOL mail moved to Yahoo's servers): bare screen names.

Plain text from ``MAILER-DAEMON@aol.com`` (subject "Mail Delivery Problem")::

    Your mail to the following recipients could not be delivered because
    they are not accepting mail from sender@example.org:
    	screenname

AOL names its own members by screen name, not by address: a member's address is the screen
name, spaces removed, at AOL's domain (the domain the notice comes from). A line that already
holds an address is taken as it is.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_HEADING = re.compile(r"(?is)your mail to the following recipients could not be delivered\b(.*?):[ \t]*\n")
_SCREEN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 ._-]{0,31}$")


class AOL:
    name = "aol"

    def matches(self, mail: Mail) -> bool:
        return mail.subject.lower() == "mail delivery problem" or mail.sender.rstrip("> ").endswith("@aol.com")

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _HEADING.search(mail.body)
        domain = addresses.normalize(mail.sender)
        if not m or not domain:
            return []
        domain = domain.rpartition("@")[2]
        why = unfold("Your mail to the following recipients could not be delivered" + m.group(1))
        out = []
        for line in mail.body[m.end():].splitlines():
            if not line.strip():
                if out:
                    break
                continue
            name = line.strip()
            if "@" in name:
                address = addresses.normalize(name)
            elif _SCREEN_NAME.match(name):
                address = addresses.normalize(name.replace(" ", "").lower() + "@" + domain)
            else:
                break
            if address:
                out.append(evidence(address, why))
        return out
