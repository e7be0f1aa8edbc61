"""Postfix, the most common MTA on the Internet.

``From: MAILER-DAEMON@host (Mail Delivery System)``, ``Subject: Undelivered Mail Returned to
Sender`` (``Delayed Mail (still being retried)``, ``Successful Mail Delivery Report``), the report's
own ``Received: by host (Postfix)``, and a body that starts "This is the mail system at host X."
Modern Postfix sends an RFC 3464 report; its human part has one paragraph per recipient::

    <user@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1
        <user@example.org>: Recipient address rejected: User unknown (in reply to
        RCPT TO command)

``<a@x> (expanded from <b@y>): ...`` for aliases. That paragraph carries the command and the whole
reply, which the DSN's Diagnostic-Code lacks for Postfix's own errors ("connect to ...: Connection
refused"). Old Postfix (and a "--- Delivery report unavailable ---" report) has no DSN fields:
the paragraphs, or the returned message's To, are all there is.
"""

from __future__ import annotations

import re

from .. import addresses, codes
from .._prefilter import may_hold
from ..mail import Mail, unfold
from ..model import Evidence
from ._common import combine, dsn_evidence, evidence

_PARAGRAPH = re.compile(r"(?m)^<([^>\s]+)>(?:\s*\(expanded from <[^>]*>\))?:[ \t]*(.*(?:\n(?!<[^>\s]+>(?:\s*\(expanded"
                        r" from <[^>]*>\))?:)[ \t]*\S.*)*)")
_DELIVERY_VIA = re.compile(r"(?i)^delivery via [^:]+(?::\d+)?:\s*")
_CONNECT = re.compile(r"(?i)\b(?:connect to|lost connection with|conversation with)\s+([\w.-]+)\[")
_CONNECT_NEEDS = ("lost connection with", "conversation with", "connect to")  # see bouncekit._prefilter
_SUBJECTS = ("undelivered mail returned to sender", "delayed mail (still being retried)",
             "successful mail delivery report", "mail delivery status report")


class Postfix:
    name = "postfix"

    def matches(self, mail: Mail) -> bool:
        if mail.subject.lower() in _SUBJECTS and "mailer-daemon" in mail.sender:
            return True
        if mail.body_head(40).startswith("This is the mail system at host"):
            return True
        return any("x-postfix-queue-id" in block for block in mail.status_blocks[:1])

    def parse(self, mail: Mail) -> list[Evidence]:
        human: dict[str, Evidence] = {}
        for m in _PARAGRAPH.finditer(mail.body):
            recipient = addresses.normalize(m.group(1))
            if not recipient or recipient.lower() in human:
                continue
            words = _DELIVERY_VIA.sub("", unfold(m.group(2)))
            connect = _CONNECT.search(words) if may_hold(words, _CONNECT_NEEDS) else None
            if connect and "said:" not in words:
                # a server that answered at connection time refused us; a timeout is no SMTP command
                command = "CONN" if "connect to" in connect.group(0).lower() and codes.find_reply_code(words) else None
                human[recipient.lower()] = evidence(recipient, words, remote_mta=connect.group(1).lower(),
                                                    command=command)
            else:
                human[recipient.lower()] = evidence(recipient, words)
        found = combine(dsn_evidence(mail), human)
        if not found and "Delivery report unavailable" in mail.body:
            to = addresses.find_addresses(mail.original_header("To") or "")
            if len(to) == 1:
                found = [evidence(to[0], "")]
        return found
