"""KDDI / au (auone-net.jp, dion.ne.jp): "Your mail sent on: ... Could not be delivered to: <a@b>".

A short English notice in an ISO-2022-JP text part, from ``no-reply@*.dion.ne.jp`` or an
``auone-net.jp`` / ``au.com`` host, often with a bare subject ("Mail"): "Your mail sent on:
<date>", "Could not be delivered to: <address>", and one line of reason ("As their mailbox is
full.", "Due to the following SMTP relay error"...). No SMTP reply, no status code.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_NOT_DELIVERED = re.compile(r"(?i)Could not be delivered to:\s*<?([^\s<>]+@[^\s<>]+)>?")
_HOSTS = re.compile(r"@(?:[\w-]+\.)*(?:dion\.ne\.jp|auone-net\.jp|au\.com|kddi\.com)\b")


class KDDI:
    name = "kddi"

    def matches(self, mail: Mail) -> bool:
        return bool(_HOSTS.search(mail.sender) or _HOSTS.search(mail.header("Message-ID")))

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        out = []
        for m in _NOT_DELIVERED.finditer(text):
            rest = text[m.end():]
            end = rest.find("\n\n")
            reason = unfold(rest[: end if end >= 0 else len(rest)])
            found = addresses.find_addresses(m.group(1))
            if found:
                out.append(evidence(found[0], reason))
        return out
