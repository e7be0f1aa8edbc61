"""The anonymous MTA the corpus calls X1: a terse list with the reason in brackets.

``From: "Mail Deliver System" <MAILER-DAEMON>`` (sic), ``Subject: Returned Mail: REASON``::

    The original message was received at Thu, 29 Apr 2011 23:34:45 +0900 (JST)
    from sender@example.co.jp

    ---The following addresses had delivery errors---

    user@example.org [User unknown]

One line per recipient: the address and, in brackets, the reason. No codes at all.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import evidence

_LIST = re.compile(r"(?im)^-+\s*The following addresses had delivery errors\s*-+\s*$")
_LINE = re.compile(r"^\s*<?((?:\S*>|[^\s>])[^\s>@]*@[^\s>]+)>?\s+\[(.*)\]\s*$")


class X1:
    name = "x1"

    def matches(self, mail: Mail) -> bool:
        return '"mail deliver system"' in mail.sender or (
            mail.subject.startswith("Returned Mail: ") and "mailer-daemon" in mail.sender)

    def parse(self, mail: Mail) -> list[Evidence]:
        text = "\n".join(mail.text_parts)
        start = _LIST.search(text)
        if not start:
            return []
        out: dict[str, Evidence] = {}
        for line in text[start.end():].splitlines():
            if (m := _LINE.match(line)) and (recipient := addresses.normalize(m.group(1))):
                out.setdefault(recipient.lower(), evidence(recipient, m.group(2).strip()))
            elif line.strip() and out:
                break
        return list(out.values())
