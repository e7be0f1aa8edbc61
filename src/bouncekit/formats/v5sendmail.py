"""Sendmail 5 (and the 8.x versions before DSNs): a transcript and nothing else.

``From: Mail Delivery Subsystem <MAILER-DAEMON@host>``, ``Subject: Returned mail: User unknown``
(or the reason), a plain-text body with no recipient list and no DSN part::

       ----- Transcript of session follows -----
    While talking to mx.example.org:
    >>> RCPT To:<user@example.org>
    <<< 550 <user@example.org>, User Unknown
    550 <user@example.org>... User unknown
    554 <other@example.net>... 550 Host unknown (Authoritative answer from name server)

       ----- Unsent message follows -----

Each failed recipient has a summary line "CODE <address>... words". When the words begin with
a reply of their own, that is the remote (or resolver) answer; otherwise the ``<<<`` reply just
above, in the same "While talking to" block, is the server's. Told apart from Sendmail 8 by the
missing "following addresses had ... errors" list and the missing MIME structure.

A failure that concerns a whole destination host is summarised by the host and the mailer instead
of an address ("421 example.org (smtp)... Deferred: Connection timed out ..."): it applies to
every recipient at that domain, and the bounce names them only in the unsent message's To and Cc.
Those recipients are reported; when the subject says the message was given up ("Cannot send
message for 4 days", sendmail's queue timeout) the deferral is final, otherwise it is a delay.
"""

from __future__ import annotations

import re

from .. import addresses, codes
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import TRANSCRIPT_COMMANDS, TRANSCRIPT_HEADING, evidence

_UNSENT = re.compile(r"(?i)^[^\S\n]*-+\s*(?:Unsent|Returned) message follows\s*-+\s*$")
_TALKING = re.compile(r"(?i)^While talking to ([^\s:]+?)\.?:\s*$")
_SUMMARY = re.compile(r"^([245]\d\d)\s+<([^<>\s]+@[^<>\s]+)>\.\.\.\s*(.*)$")
_HOST_SUMMARY = re.compile(r"^([45]\d\d)\s+([\w-]+(?:\.[\w-]+)+)\.?\s+\(\w+\)\.\.\.\s*(.*)$")
_GIVEN_UP = re.compile(r"(?i)cannot send message for|could not be delivered for")


class V5Sendmail:
    name = "v5sendmail"

    def matches(self, mail: Mail) -> bool:
        if mail.msg.is_multipart() or not mail.subject.lower().startswith("returned mail:"):
            return False
        text = mail.text_parts[0] if mail.text_parts else ""
        return "Transcript of session follows" in text and "following addresses had" not in text

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        start = TRANSCRIPT_HEADING.search(text)
        if not start:
            return []
        out: dict[str, Evidence] = {}
        host_lines: list[re.Match[str]] = []
        host = command = target = reply = None
        for line in text[start.end():].splitlines():
            line = line.rstrip()
            if _UNSENT.match(line):
                break  # the returned message: its lines are not the transcript's
            if (t := _TALKING.match(line)):
                host, command, target, reply = t.group(1).lower(), "CONN", None, None
            elif line.startswith(">>> "):
                word = line[4:].split(" ", 1)[0].upper()
                command = TRANSCRIPT_COMMANDS.get(word, word)
                found = addresses.find_addresses(line) if command == "RCPT" else []
                target, reply = (found[0].lower() if found else None), None
            elif line.startswith("<<< "):
                reply = reply + " " + line[4:].strip() if reply and reply[3:4] == "-" else line[4:].strip()
            elif (s := _SUMMARY.match(line)) and (recipient := addresses.normalize(s.group(2))):
                words = s.group(3)
                if codes.find_reply_code(words) or not reply or (target and target != recipient.lower()):
                    ev = evidence(recipient, unfold(words), reply_code=codes.find_reply_code(words) or s.group(1))
                else:  # the server's reply just above is this recipient's
                    ev = evidence(recipient, reply, command=command, remote_mta=host)
                out.setdefault(recipient.lower(), ev)
            elif (h := _HOST_SUMMARY.match(line)):
                host_lines.append(h)
        # A recipient's own summary line says more than its host's: host lines fill in the rest.
        for h in host_lines:
            for recipient in self._addressed_to(mail, h.group(2).lower()):
                code = codes.find_reply_code(h.group(3)) or h.group(1)
                action = "failed" if code[0] == "5" or _GIVEN_UP.search(mail.subject) else "delayed"
                out.setdefault(recipient.lower(), evidence(recipient, unfold(h.group(3)), reply_code=code,
                                                           action=action))
        return list(out.values())

    @staticmethod
    def _addressed_to(mail: Mail, domain: str) -> list[str]:
        """The unsent message's To and Cc addresses at ``domain``."""
        found = []
        for name in ("To", "Cc"):
            for address in addresses.find_addresses(mail.original_header(name) or ""):
                if address.rpartition("@")[2].lower() == domain:
                    found.append(address)
        return found
