"""Verizon Wireless MMS gateway (vzwpix.com / vtext.com): a picture-message non-delivery report.

``From: MMSC NDR Administrator <sysadmin@mNN.vzwpix.com>``, ``Subject: Undeliverable Message``::

    Message could not be delivered to mobile.
    Error: No valid recipients for this MM

    Original Message:
    From: sender <sender@example.jp>
    To: 5555550100@vzwpix.com

The recipient is the quoted original's ``To``; the "Error:" line is the explanation.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_ERROR = re.compile(r"(?im)^Error:\s*(.+)$")
_TO = re.compile(r"(?im)^To:\s*(.+)$")
_ORIGINAL = re.compile(r"(?im)^Original Message:\s*$")


class Verizon:
    name = "verizon"

    def matches(self, mail: Mail) -> bool:
        return "vzwpix.com" in mail.sender or "vtext.com" in mail.sender and "ndr" in mail.sender

    def parse(self, mail: Mail) -> list[Evidence]:
        text = "\n".join(mail.text_parts)
        original = _ORIGINAL.search(text)
        error = _ERROR.search(text)
        if not original:
            return []
        to = _TO.search(text, original.end())
        found = addresses.find_addresses(to.group(1)) if to else []
        return [evidence(r, error.group(1).strip() if error else "") for r in found]
