"""GMX and 1&1 / IONOS (United Internet): "Mail delivery failed: returning message to sender".

From ``MAILER-DAEMON@*.gmx.*`` or ``mailer-daemon@kundenserver.de`` (with ``X-UI-*`` headers): an
Exim-like text, "This message was created automatically by mail delivery software. ... The
following address(es) failed:", then per recipient the address on a line of its own (bare,
``<a@b>``, ``"a@b":`` or ``a@b:``) and the reason under it, in one of the shapes

* "SMTP error from remote server after RCPT command:" / "host: mx.example.org" / the reply;
* "SMTP error from remote server for TEXT command, host: H (IP) reason: 550 5.2.0 ...";
* "Reason:" or "For the following reason:" and GMX's own words.

The copy of the original headers follows "--- The header of the original message is following."
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_FAILED = re.compile(r"(?i)following\s+address(?:\(es\)|es)?\s+failed:")
_END = re.compile(r"(?im)^-{2,}\s*The header of the original message")
_ADDRESS_LINE = re.compile(r"""(?m)^[^\S\n]*[<"]?([^\s<>"@]+@[^\s<>"]+?)[>"]?:?\s*$""")
_SMTP_ERROR = re.compile(r"(?i)SMTP error from remote server (?:after|for) (\w+) command[:,]?\s*")
_HOST = re.compile(r"(?i)\bhost:\s*([\w.-]+)(?:\s*\([^)]*\))?\s*")
_LABEL = re.compile(r"(?i)^\s*(?:for the following reason|reason)\s*:\s*")
_COMMANDS = {"RCPT": "RCPT", "MAIL": "MAIL", "DATA": "DATA", "TEXT": "DATA", "HELO": "HELO", "EHLO": "HELO"}


class GMX:
    name = "gmx"

    def matches(self, mail: Mail) -> bool:
        sender = mail.sender
        return ("mailer-daemon" in sender and ("gmx." in sender or "kundenserver" in sender)) or (
            bool(mail.header("X-UI-Out-Filterresults")) and "mail delivery failed" in mail.subject.lower())

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        start = _FAILED.search(text)
        if not start:
            return []
        end = _END.search(text, start.end())
        text = text[start.end(): end.start() if end else len(text)]
        marks = list(_ADDRESS_LINE.finditer(text))
        out = []
        for i, m in enumerate(marks):
            reason = unfold(text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(text)])
            command = None
            err = _SMTP_ERROR.search(reason)
            if err:
                command = _COMMANDS.get(err.group(1).upper())
                reason = reason[err.end():]
            host = _HOST.match(reason)
            remote = host.group(1).lower().rstrip(".") if host else None
            if host:
                reason = re.sub(r"(?i)^reason:\s*", "", reason[host.end():])
            reason = _LABEL.sub("", reason)
            recipient = addresses.find_addresses(m.group(1))
            if recipient:
                out.append(evidence(recipient[0], reason, command=command, remote_mta=remote))
        return out
