"""Courier mail server.

``From: Courier mail server at host <@>`` (or ``postmaster@host``), ``Subject: NOTICE: mail
delivery status.``, an RFC 3464 report whose text part begins "This is a delivery status
notification from HOST, running the Courier mail server, version X." and holds, per recipient::

    <user@example.org>:
        mx.example.org [192.0.2.95]:
    >>> RCPT TO:<user@example.org>
    <<< 550 5.1.1 <user@example.org>... User Unknown

The ``>>>`` line names the command, the indented line the remote host, the ``<<<`` lines the
reply (or Courier's own words, "<<< No such domain."). The DSN gives recipient, action and status.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import combine, dsn_evidence, evidence

_RECIPIENT = re.compile(r"^<([^<>\s]+)>:\s*$")
_HOST = re.compile(r"^\s+([\w.-]+)\s+\[[^\]]*\]:\s*$")
_COMMANDS = {"RCPT": "RCPT", "MAIL": "MAIL", "DATA": "DATA", "EHLO": "HELO", "HELO": "HELO"}


class Courier:
    name = "courier"

    def matches(self, mail: Mail) -> bool:
        if mail.subject.lower().startswith("notice: mail delivery status"):
            return True
        return "running the Courier mail server" in mail.body[:400]

    def parse(self, mail: Mail) -> list[Evidence]:
        human: dict[str, Evidence] = {}
        blocks: list[list] = []  # [recipient, host, command, reply lines]
        for line in mail.body.splitlines():
            if (m := _RECIPIENT.match(line)) and (recipient := addresses.normalize(m.group(1))):
                blocks.append([recipient, None, None, []])
            elif not blocks or not line.strip() or line.startswith("-----"):
                if blocks and blocks[-1][3]:
                    blocks.append([None, None, None, []])  # the block is over
            elif (h := _HOST.match(line)):
                blocks[-1][1] = h.group(1).lower()
            elif line.startswith(">>> "):
                word = line[4:].split(" ", 1)[0].split(":", 1)[0].upper()
                blocks[-1][2] = _COMMANDS.get(word, word)
            elif line.startswith("<<< "):
                blocks[-1][3].append(line[4:].strip())
        for recipient, host, command, reply in blocks:
            if recipient and recipient.lower() not in human:
                human[recipient.lower()] = evidence(recipient, " ".join(reply), remote_mta=host, command=command)
        return combine(dsn_evidence(mail), human)
