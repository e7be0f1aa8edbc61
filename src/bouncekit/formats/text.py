"""Free-text bounces of any MTA: the last built-in decoder before flufl.bounce.

Many servers still send a plain explanation with no DSN part ("The following address(es)
failed", "I'm afraid I wasn't able to deliver"). When the message reads as a bounce (a
daemon sender, a null return path or a bounce-like subject), each address in its explanation is
taken with the words around it.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence
from ._common import looks_like_bounce, scan_text, sender_addresses


class PlainText:
    name = "text"

    def matches(self, mail: Mail) -> bool:
        return looks_like_bounce(mail)

    def parse(self, mail: Mail) -> list[Evidence]:
        return scan_text(mail.body, exclude=sender_addresses(mail))
