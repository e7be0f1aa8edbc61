"""Zoho Mail delivery failure reports.

From ``mailer-daemon@mail.zoho.com`` (``X-Mailer: Zoho Mail``, ``X-ZohoMail`` headers), subject
"Undelivered Mail Returned to Sender", no DSN; one line per failed recipient::

    user@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <user@example.org>... User Unknown
    user@example.net Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.

The first ERROR_CODE is the SMTP reply code, the second the enhanced status code (may be empty).
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_LINE = re.compile(r"(?m)^[^\S\n]*<?([^\s<>@]+@[^\s<>]+?)>?\s+(\S.*?ERROR_CODE\s*:\s*(\d{3})?\s*,"
                   r"\s*ERROR_CODE\s*:\s*([245]\.\d{1,3}\.\d{1,3})?.*(?:\n(?!\s*\n|\s*\S+@\S+\s).*)*)")


class Zoho:
    name = "zoho"

    def matches(self, mail: Mail) -> bool:
        if "Zoho Mail" in mail.header("X-Mailer") or mail.has_header("X-ZohoMail"):
            return "mailer-daemon" in mail.sender or "postmaster" in mail.sender
        return False

    def parse(self, mail: Mail) -> list[Evidence]:
        # "This is a permanent error." makes even a 421 a final failure
        action = "failed" if "permanent error" in mail.body[:600].lower() else None
        return [evidence(m.group(1), " ".join(m.group(2).split()), reply_code=m.group(3), status=m.group(4),
                         action=action) for m in _LINE.finditer(mail.body)]
