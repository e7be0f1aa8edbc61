"""Mimecast gateway reports.

Subject "[Postmaster] Email Delivery Failure", ``X-Mimecast-*`` / ``X-MC-System`` headers, Message-Id
at a ``mimecast`` host; the text part reads::

    This is a delivery failure notification message indicating that
    an email you addressed to email address :
    -- user@example.org

    could not be delivered. The problem appears to be :
    -- Recipient email address is possibly incorrect

    Additional information follows :
    -- 5.7.54 SMTP; Unable to relay recipient in non-accepted domain

and a DSN part whose fields are written "Name : value". The DSN gives recipient and status
(the diagnostic's specific code beats its 5.0.0); the text stands in where it is missing.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence

_ADDRESSED = re.compile(r"(?is)addressed to email address\s*:\s*--\s*(\S+@\S+)")
_PROBLEM = re.compile(r"(?is)The problem appears to be\s*:\s*--\s*(.+?)\n\s*\n")
_MORE = re.compile(r"(?is)Additional information follows\s*:\s*--\s*(.+?)\n\s*\n")


class Mimecast:
    name = "mimecast"

    def matches(self, mail: Mail) -> bool:
        if mail.has_header("X-Mimecast-Originator") or mail.has_header("X-MC-System"):
            return True
        return "mimecast" in mail.header("Message-ID").lower() and "Delivery Failure" in mail.subject

    def parse(self, mail: Mail) -> list[Evidence]:
        found = dsn_evidence(mail)
        if found:
            return found
        a = _ADDRESSED.search(mail.body)
        if not a:
            return []
        more, problem = _MORE.search(mail.body), _PROBLEM.search(mail.body)
        words = (more or problem).group(1) if (more or problem) else ""
        return [evidence(a.group(1), words)]
