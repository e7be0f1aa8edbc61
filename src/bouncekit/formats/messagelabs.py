"""Symantec Email Security.cloud (MessageLabs) reports.

From ``mailer-daemon@messagelabs.com``, subject "Mail Delivery Failure"; the text part reads::

    This is the mail delivery agent at Symantec Email Security.cloud.

    I was unable to deliver your message to the following addresses:

    user@example.org

    Reason: 550-Please turn on SMTP Authentication in your mail client.
    550-mx.example.org [192.0.2.1]:25 is not permitted to
    550 relay through this server without authentication.

and a DSN part whose multi-line Diagnostic-Code is not folded (so field readers cut it short).
The DSN gives status and action; the text's "Reason:" paragraph, with the continuation codes of
a multi-line reply ("550-") dropped, is the server's whole reply.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import dsn_evidence, evidence

_INTRO = re.compile(r"(?i)unable to deliver your message to the following addresses:?")
_CODE = re.compile(r"^[245]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3}[- ])?")


class MessageLabs:
    name = "messagelabs"

    def matches(self, mail: Mail) -> bool:
        return "messagelabs" in mail.sender or "Symantec Email Security.cloud" in mail.body[:300]

    def parse(self, mail: Mail) -> list[Evidence]:
        m = _INTRO.search(mail.body)
        if not m:
            return dsn_evidence(mail)
        reasons: dict[str, str] = {}
        pending: list[str] = []
        for para in re.split(r"\n\s*\n", mail.body[m.end():]):
            text = para.strip()
            if text.lower().startswith("reason:"):
                lines = [ln.strip() for ln in text[7:].strip().splitlines()]
                # "550-first line / 550-second / 550 last": keep the code once
                reason = " ".join([lines[0]] + [_CODE.sub("", ln) for ln in lines[1:]])
                reason = re.sub(r"^([245]\d\d)-", r"\1 ", reason)
                for a in pending:
                    reasons.setdefault(a.lower(), reason)
                pending = []
            elif text and all(addresses.find_addresses(ln) for ln in text.splitlines()):
                pending += [a for ln in text.splitlines() for a in addresses.find_addresses(ln)]
            elif reasons:
                break
        dsn = {(ev.recipient or "").lower(): ev for ev in dsn_evidence(mail)}
        out = []
        for rcpt, reason in reasons.items():
            richer = evidence(rcpt, reason)
            ev = dsn.get(rcpt)
            out.append(replace(ev, diagnostic=richer.diagnostic, reply_code=ev.reply_code or richer.reply_code,
                               status=ev.status or richer.status) if ev else richer)
        return out
