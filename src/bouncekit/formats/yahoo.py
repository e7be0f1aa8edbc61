"""Yahoo! Mail (and AOL, Yahoo! Japan, which share it): the "Sorry, we were unable to deliver" notice.

Plain text from ``MAILER-DAEMON@yahoo.*`` (subject "Failure Notice"), recognised by its first
line "Sorry, we were unable to deliver your message to the following address." Each failed
recipient is a line ``<address>:`` followed by the remote reply, either after "Remote host
said:" or as ``550: text`` (reply code with a colon), and often a tag naming the SMTP command:
``[RCPT_TO]``, ``[MAIL_FROM]``, ``[DATA]``. The copy of the message follows "--- Below this line".
"""

from __future__ import annotations

import re

from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_FIRST_LINE = "sorry, we were unable to deliver your message"
_RECIPIENT = re.compile(r"(?m)^<([^<>\s]+@[^<>\s]+)>:\s*$")
_COMMAND_TAG = re.compile(r"\[(RCPT_TO|MAIL_FROM|DATA|HELO|EHLO|CONNECT)\]")
_REMOTE_SAID = re.compile(r"(?i)^remote host said:\s*")
_CODE_COLON = re.compile(r"^([245]\d\d):[ \t]*")
_COMMANDS = {"RCPT_TO": "RCPT", "MAIL_FROM": "MAIL", "DATA": "DATA", "HELO": "HELO", "EHLO": "HELO",
             "CONNECT": "CONN"}
_END = re.compile(r"(?m)^--- Below this line")


class Yahoo:
    name = "yahoo"

    def matches(self, mail: Mail) -> bool:
        return mail.body_head(120).lower().startswith(_FIRST_LINE)

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        end = _END.search(text)
        text = text[: end.start()] if end else text
        marks = list(_RECIPIENT.finditer(text))
        out = []
        for i, m in enumerate(marks):
            chunk = text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(text)]
            diag = unfold(chunk)
            command = None
            tag = _COMMAND_TAG.search(diag)
            if tag:
                command = _COMMANDS[tag.group(1)]
                diag = (diag[: tag.start()] + diag[tag.end():]).strip()
            diag = _REMOTE_SAID.sub("", diag)
            code = _CODE_COLON.match(diag)
            reply = code.group(1) if code else None
            # "550: 5.1.1 <a@b>... User Unknown" -> "550 5.1.1 <a@b>... User Unknown"; an empty address
            # ("550: : User unknown") keeps its colon: "550 : User unknown" is a reply after DATA.
            if code:
                diag = f"{reply} {diag[code.end():]}".strip()
            out.append(evidence(m.group(1), diag, reply_code=reply, command=command))
        return out
