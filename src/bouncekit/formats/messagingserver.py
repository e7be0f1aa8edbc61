"""Oracle Communications / Sun Java System Messaging Server (iPlanet) reports.

A ``multipart/report`` (boundary ``Boundary_(ID_...)``) whose text part reads::

    This report relates to a message you sent with the following header fields:
      Message-id: ...
    Your message cannot be delivered to the following recipients:

      Recipient address: user@example.org
      Reason: Remote SMTP server has rejected address
      Diagnostic code: smtp;550 5.1.1 <user@example.org>... User unknown
      Remote system: dns;mx.example.org (TCP|192.0.2.1|...) (mx.example.org ESMTP)

The DSN part gives recipient, action and status (with the reason again in parentheses);
the diagnostic is the DSN's, else the text's "Diagnostic code", else its "Reason".

When the server rewrote the address on the way to its message store, it prints both:
"Recipient address: user@ims-ms-daemon" (its internal routing form, the DSN's Final-Recipient)
and "Original address: user@example.org" (the address the sender used, the Original-Recipient).
The original is the one reported: the internal form is nobody's address outside that server.

The "Reason" is one of the server's fixed sentences, and two of them name the refused command:
"Remote SMTP server has rejected address" (the recipient's address, in RCPT TO) and "Server
rejected MAIL FROM address".
Recognised by the ``Boundary_(ID_`` boundary or "Messaging Server" in the Received headers.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence

# The Reason sentences that say which SMTP command the remote server refused.
_REASON_COMMANDS = ((re.compile(r"(?i)\bremote SMTP server has rejected address\b"), "RCPT"),
                    (re.compile(r"(?i)\bserver rejected MAIL FROM address\b"), "MAIL"))
_ITEM = re.compile(r"(?i)^[^\S\n]*(Recipient address|Original address|Reason|Diagnostic code|Remote system):\s*(.+)$")


def _words(block: dict[str, str]) -> str:
    """What a recipient's block says went wrong: the server's reply, else the Reason, else the
    unlabelled lines under it."""
    return block.get("diagnostic code") or block.get("reason") or block.get("more", "")


class MessagingServer:
    name = "messagingserver"

    def matches(self, mail: Mail) -> bool:
        if "Boundary_(ID_" in mail.header("Content-Type"):
            return True
        return any("Messaging Server" in r or "Messaging-Multiplexor" in r for r in mail.headers("Received")[:4])

    def parse(self, mail: Mail) -> list[Evidence]:
        said: dict[str, dict[str, str]] = {}
        current: dict[str, str] | None = None
        for line in mail.body.splitlines():
            m = _ITEM.match(line)
            if m is None:
                if not line.strip():
                    current = None  # a blank line ends a recipient's block
                elif current is not None:
                    # an unlabelled line in the block: the error the store printed ("-SYSTEM-F-EXDISKQUOTA,
                    # disk quota exceeded"), the reason when no Reason line gives one
                    current["more"] = f"{current.get('more', '')} {line.strip()}".lstrip()
                continue
            key, value = m.group(1).lower(), m.group(2).strip()
            if key == "recipient address":
                # the internal form may have a dotless domain (user@ims-ms-daemon): read the field whole
                found = addresses.normalize(value) or next(iter(addresses.find_addresses(value)), None)
                current = said.setdefault(found.lower(), {}) if found else None
            elif current is not None:
                current.setdefault(key, value)
        dsn = dsn_evidence(mail)
        if not dsn:
            dsn = [evidence(r, _words(f)) for r, f in said.items()]
        out = []
        for ev in dsn:
            text = said.get((ev.recipient or "").lower(), {})
            if not ev.diagnostic and _words(text):
                richer = evidence(ev.recipient, _words(text), status=ev.status)
                ev = replace(ev, diagnostic=richer.diagnostic, reply_code=ev.reply_code or richer.reply_code)
            command = next((cmd for pattern, cmd in _REASON_COMMANDS if pattern.search(text.get("reason", ""))), None)
            if ev.command is None and command:
                ev = replace(ev, command=command)
            original = addresses.find_addresses(text.get("original address", ""))
            if original:
                ev = replace(ev, recipient=original[0])
            out.append(ev)
        return out
