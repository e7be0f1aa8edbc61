"""SendGrid: RFC 3464 reports with SendGrid's own line per recipient.

``X-SendGrid-*`` fields in the delivery-status part, and a text part that begins "This is an
automatically generated message from SendGrid." and lists each failure as one line of fields
separated by " : " — ``user:queue:<a@b> : sending IP : mx.host:[IP] : 550 5.1.1 ... in RCPT TO`` —
or, when no connection was made, ``user:queue:<a@b> : Connection timed out in connect`` (no
reply, so no command is reported). Its non-standard ``Action: expired`` becomes the hint ``expired``. The DSN
gives recipient and status; the line gives the remote host, the full reply and the command.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..mail import Mail
from ..model import Evidence, Group
from ._common import dsn_evidence, evidence

_LINE = re.compile(r"(?m)^[^\s:]*:[^\s:]*:<([^\s<>]+@[^\s<>]+)>\s*:\s*(.+)$")
_IN_COMMAND = re.compile(r"(?i)(?<!\s)\s+in\s+(RCPT TO|MAIL FROM|DATA|connect|HELO|EHLO)\s*$")
_SIGNATURE = "This is an automatically generated message from SendGrid"
_COMMANDS = {"RCPT TO": "RCPT", "MAIL FROM": "MAIL", "DATA": "DATA", "CONNECT": "CONN", "HELO": "HELO",
             "EHLO": "HELO"}


class SendGrid:
    name = "sendgrid"

    def matches(self, mail: Mail) -> bool:
        if any(k.startswith("x-sendgrid") for b in mail.status_blocks[:1] for k in b):
            return True
        return mail.body_head(len(_SIGNATURE)).startswith(_SIGNATURE)

    def parse(self, mail: Mail) -> list[Evidence]:
        lines = {m.group(1).lower(): m.group(2) for m in _LINE.finditer(mail.body)}
        # SendGrid writes the non-standard "Action: expired" when it gave up retrying: that is the group.
        expired = {(b.get("final-recipient", "").split(";")[-1].strip().lower()) for b in mail.status_blocks
                   if b.get("action", "").strip().lower() == "expired"}
        out = []
        for ev in dsn_evidence(mail):
            line = lines.get((ev.recipient or "").lower())
            if line:
                fields = [f.strip() for f in line.split(" : ")]
                reply = fields[-1]
                command = None
                tail = _IN_COMMAND.search(reply)
                if tail:
                    command = _COMMANDS.get(tail.group(1).upper())
                    reply = reply[: tail.start()].strip()
                remote = fields[-2].split(":")[0].lower() if len(fields) >= 3 else None
                more = evidence(ev.recipient, reply, clean=False)
                ev = evidence(ev.recipient, reply, status=ev.status or more.status,
                              reply_code=more.reply_code or ev.reply_code, action=ev.action,
                              remote_mta=remote or ev.remote_mta,
                              command=command if (more.reply_code or command != "CONN") else None, clean=False)
            if (ev.recipient or "").lower() in expired:
                ev = replace(ev, hint=Group.EXPIRED)
            out.append(ev)
        return out
