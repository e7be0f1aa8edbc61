"""DragonFly Mail Agent (dma), the small MTA of DragonFly BSD.

A plain-text bounce, no DSN part. ``From: MAILER-DAEMON``, ``Subject: Mail delivery failed``, the
bounce's own ``Received:`` says ``by host (DragonFly Mail Agent vX)``, and the body reads::

    This is the DragonFly Mail Agent v0.13 at mx.example.jp.

    There was an error delivering your mail to <user@example.org>.

    mx.example.org [192.0.2.25] did not like our RCPT TO:
    550 5.1.1 <user@example.org>: Recipient address rejected: User unknown

    Message headers follow.

The line after the recipient is either the remote server's verdict ("HOST [IP] did not like our
COMMAND:" then its reply) or dma's own words ("DNS lookup failure: ..."). One recipient a bounce.
Recognised by the Received header or the first body line.
"""

from __future__ import annotations

import re

from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_ERROR_TO = re.compile(r"(?i)There was an error delivering your mail to <([^>\s]+)>\.?")
_DID_NOT_LIKE = re.compile(
    r"(?is)^\s*(\S+)\s+(?:\[[^\]]*\]\s+)?did not like our\s+(?:final\s+)?(RCPT TO|MAIL FROM|DATA|EHLO|HELO|"
    r"STARTTLS|AUTH)[^:]*:\s*(.*)$"
)
_HEADERS_FOLLOW = re.compile(r"(?im)^[^\S\n]*Message headers follow\.?\s*$")


class DragonFly:
    name = "dragonfly"

    def matches(self, mail: Mail) -> bool:
        if "DragonFly Mail Agent" in mail.header("Received"):
            return True
        return mail.body_head(60).startswith("This is the DragonFly Mail Agent")

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        cut = _HEADERS_FOLLOW.search(text)
        if cut:
            text = text[: cut.start()]
        out: list[Evidence] = []
        for m in _ERROR_TO.finditer(text):
            nxt = _ERROR_TO.search(text, m.end())
            words = text[m.end(): nxt.start() if nxt else len(text)].strip()
            host = command = None
            said = _DID_NOT_LIKE.match(words)
            if said:
                host, command, words = said.group(1).lower(), said.group(2).split()[0].upper(), said.group(3)
                command = {"EHLO": "HELO"}.get(command, command)
            out.append(evidence(m.group(1), unfold(words), remote_mta=host, command=command))
        return out
