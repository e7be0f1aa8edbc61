"""Bigfoot (bigfoot.com), the forwarding service: Sendmail under its own name.

``From: Mail Delivery Subsystem <MAILER-DAEMON@bigfoot.com>``; the report is Sendmail 8's
(fatal-errors list, transcript, RFC 3464 part), so Sendmail's reader does the work. Kept apart
so that reports and rules can name the forwarder.
"""

from __future__ import annotations

from ..mail import Mail
from .sendmail import Sendmail


class Bigfoot(Sendmail):
    name = "bigfoot"

    def matches(self, mail: Mail) -> bool:
        return "@bigfoot.com" in mail.sender
