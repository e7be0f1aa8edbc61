"""The anonymous MTA the corpus calls X2: qmail's paragraph layout under another banner.

``From: MAILER-DAEMON@host``, ``Subject: Delivery failure`` (or ``failed delivery``), no DSN::

    Message from example.com.
    Unable to deliver message to the following address(es).

    <user@example.com>:
    This user doesn't have a example.com account (user@example.com) [0]

    --- Original message follows.

The per-recipient paragraphs read like qmail's ("<address>:" then the words, "I'm not going to
try again" for expiry), so the qmail paragraph reader does the work; only the guard differs.
"""

from __future__ import annotations

from ..mail import Mail
from .qmail import Qmail


class X2(Qmail):
    name = "x2"

    def matches(self, mail: Mail) -> bool:
        return "mailer-daemon" in mail.sender and "Unable to deliver message to the following address" in mail.body[:300]
