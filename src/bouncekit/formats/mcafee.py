"""McAfee Email and Web Security Appliance (formerly IronMail) reports.

Subject "Delivery Status", header ``X-NAI-Header: Modified by McAfee ...``; a ``multipart/mixed``
holding ``deliveryproblems.txt``::

        --- The following addresses had delivery problems ---

    <user@example.org>   (Unknown user user@example.org)

and ``deliverystatus.txt``, DSN-like fields (``Original-Recipient``, ``Action``,
``Diagnostic-Code``, ``Remote-MTA``; no ``Status``). The fields come first; the text's
parenthesised reason stands in where they are missing.
"""

from __future__ import annotations

import re

from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence

_PROBLEM = re.compile(r"(?m)^[^\S\n]*<([^\s<>]+@[^\s<>]+)>\s+\((.*)\)\s*$")


class McAfee:
    name = "mcafee"

    def matches(self, mail: Mail) -> bool:
        return "McAfee" in mail.header("X-NAI-Header")

    def parse(self, mail: Mail) -> list[Evidence]:
        found = dsn_evidence(mail)
        if found:
            return found
        return [evidence(m.group(1), m.group(2)) for m in _PROBLEM.finditer(mail.body)]
