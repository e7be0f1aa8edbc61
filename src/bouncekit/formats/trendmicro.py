"""Trend Micro InterScan Messaging Security (Suite / Virtual Appliance) notifications.

From ``"InterScan Notification"`` or ``"InterScan MSS"``, boundary ``InterScan_NT_MIME_Boundary``,
no DSN; the text sits between rows of asterisks::

    Message from InterScan Messaging Security Suite

    Unable to deliver message to <user@example.org> (and other recipients in the same domain).

Each address in the text is taken with the sentence around it.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence
from ._common import sender_addresses
from ._scan import scan_text


class TrendMicro:
    name = "trendmicro"

    def matches(self, mail: Mail) -> bool:
        if "interscan" in mail.sender:
            return True
        return "InterScan" in mail.header("Content-Type")

    def parse(self, mail: Mail) -> list[Evidence]:
        return scan_text(mail.body.replace("*", " "), exclude=sender_addresses(mail))
