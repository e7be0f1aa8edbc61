"""fml, the Japanese mailing-list manager: its refusals and loop alerts.

An ``X-MLServer: fml [fml 4.0.3 ...]`` header and a Message-ID with ``.FML`` in it. fml answers
the poster itself, in a short plain-text note about the list address::

    Subject: You sender@example.org are not member (list ML)

    You are not a member of this mailing list <list@example.org>.

    Subject: Loop Alert: Duplicated Message-ID (list ML)

    Duplicated Message-ID in <list@example.org>.

The address that refused the message is the list's (in angle brackets in the first paragraph);
the first paragraph is the explanation. No codes.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_BRACKETED = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


class FML:
    name = "fml"

    def matches(self, mail: Mail) -> bool:
        return mail.header("X-MLServer").lower().startswith("fml") or ".FML" in mail.header("Message-ID")

    def parse(self, mail: Mail) -> list[Evidence]:
        first = mail.body.strip().split("\n\n", 1)[0]
        m = _BRACKETED.search(first)
        if not m or not (recipient := addresses.normalize(m.group(1))):
            return []
        return [evidence(recipient, unfold(first))]
