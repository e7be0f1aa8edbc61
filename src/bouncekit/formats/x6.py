"""The anonymous MTA the corpus calls X6: "We had trouble delivering your message."

``From: mailer-daemon`` (no domain), ``Subject: There was an error sending your mail``, the
original's headers attached as a text file. The text part counts the errors, then one sentence
per error, the remote reply in square brackets::

    1 error(s):

    SMTP Server <mx.example.org> rejected recipient <user@example.org> (Error following RCPT
    command). It responded as follows: [550 5.1.1 User unknown]

or, for a refusal after the data, "The following recipients returned permanent errors: a@b, c@d.
Reason: SMTP Server <HOST> refused to accept your message (DATA), with the following error
message: [554 ...]". The server, the command and the reply are all in the sentence.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import evidence

_SERVER = re.compile(r"SMTP Server <([^<>\s]+)>")
_COMMAND = re.compile(r"\((?:Error following )?(RCPT|MAIL|DATA|HELO|EHLO)\b")
_REPLY = re.compile(r"\[([^\[\]]+)\]\s*$")
_RECIPIENTS = re.compile(r"(?:rejected recipient|returned (?:permanent|temporary) errors:)\s*(.+?)(?:\.\s+Reason:|\s+\(|$)")


class X6:
    name = "x6"

    def matches(self, mail: Mail) -> bool:
        return mail.subject.lower().startswith("there was an error sending your mail") or (
            "We had trouble delivering your message" in mail.body[:200])

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        count = re.search(r"(?m)^\d+ error\(s\):\s*$", text)
        if not count:
            return []
        out: dict[str, Evidence] = {}
        for paragraph in re.split(r"\n\s*\n", text[count.end():]):
            sentence = unfold(paragraph)
            who = _RECIPIENTS.search(sentence)
            if not who:
                continue
            server, command, reply = _SERVER.search(sentence), _COMMAND.search(sentence), _REPLY.search(sentence)
            words = reply.group(1) if reply else sentence
            for recipient in addresses.find_addresses(who.group(1)):
                out.setdefault(recipient.lower(), evidence(
                    recipient, words, remote_mta=server.group(1).lower() if server else None,
                    command={"EHLO": "HELO"}.get(command.group(1), command.group(1)) if command else None))
        return list(out.values())
