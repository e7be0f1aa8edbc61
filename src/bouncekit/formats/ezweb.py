"""au by KDDI's EZweb MTA (ezweb.ne.jp): "Mail System Error - Returned Mail".

From ``Postmaster@ezweb.ne.jp``; an ISO-2022-JP text part, Japanese lines first, then English:

* "Each of the following recipients was rejected by a remote mail server." followed by
  ``Recipient: <a@b>``, ``>>> RCPT TO:<a@b>`` (the command sent) and ``<<< 550 ...`` (the reply);
* "Your message was not delivered within N days and N hours." / "The following recipients did
  not receive this message:" (expired);
* an address alone on a line before such a sentence (old mails).
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import _canonical_command, evidence

_RECIPIENT = re.compile(r"(?m)^[^\S\n]*(?:Recipient:\s*)?<([^\s<>]+@[^\s<>]+)>\s*$")
_SENT = re.compile(r"(?m)^[^\S\n]*>>>\s*(RCPT TO|MAIL FROM|DATA|HELO|EHLO)\b")
_REPLY = re.compile(r"(?m)^[^\S\n]*<<<\s*(.+)$")
_EXPLANATION = re.compile(r"(?m)^(?:Each of the following|Your message was not delivered|The following recipients)"
                          r".*(?:\n(?!\s*$).*)*")


class EZweb:
    name = "ezweb"

    def matches(self, mail: Mail) -> bool:
        return "@ezweb.ne.jp" in mail.sender and ("mail system error" in mail.subject.lower()
                                                  or "postmaster@" in mail.sender)

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body.split("\n---")[0]
        general = " ".join(unfold(m.group(0)) for m in _EXPLANATION.finditer(text)
                           if "recipients did not receive" not in m.group(0).lower() or "within" in m.group(0))
        marks = list(_RECIPIENT.finditer(text))
        out = []
        for i, m in enumerate(marks):
            chunk = text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(text)]
            sent = _SENT.search(chunk)
            replies = [r.group(1).strip() for r in _REPLY.finditer(chunk)]
            diag = unfold(" ".join(replies)) if replies else general
            command = _canonical_command(sent.group(1)) if sent and replies else None
            found = addresses.find_addresses(m.group(1))
            if found:
                out.append(evidence(found[0], diag, command=command, clean=False))
        return out
