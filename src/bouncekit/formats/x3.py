"""The anonymous MTA the corpus calls X3: a framed "Delivery Status Notification".

``From: Mail Delivery System <Mail.Delivery.System@host>``, ``Subject: Delivery status
notification``, a text part framed by lines of ``=``::

          This is an automatically generated Delivery Status Notification.
    Delevery to the following recipients failed permanently:
       * user@example.co.jp
    ==========================================================================
                                 Technical details:
    SMTP:RCPT host 192.0.2.233: 553 5.3.0 <user@example.co.jp>... No such user here

(the vendor's spelling). The technical line names the stage ("SMTP:RCPT", "Routing:") and the
remote host; "was aborted after N hour(s)" marks a delivery retried until it expired: the MTA
gave up, so it is a failure (group ``expired``), not a delay warning.
"""

from __future__ import annotations

import re

from .. import addresses
from ..mail import Mail
from ..model import Evidence
from ._common import combine, dsn_evidence, evidence

_LIST = re.compile(r"(?im)^[^\S\n]*Del[ei]very to the following recipients "
                   r"(failed permanently|was aborted[^:]*|[^:]*):\s*$")
_ITEM = re.compile(r"^\s*\*\s*(\S+@\S+)\s*$")
_DETAILS = re.compile(r"(?im)^[^\S\n]*Technical details:\s*$")
_SMTP = re.compile(r"(?i)^SMTP:(\w+)\s+host\s+(\S+?):\s*(.*)$")
_OTHER = re.compile(r"^\w+:\s*(.*)$")


class X3:
    name = "x3"

    def matches(self, mail: Mail) -> bool:
        return (mail.subject.lower().startswith("delivery status notification")
                and "automatically generated Delivery Status Notification" in mail.body[:400])

    def parse(self, mail: Mail) -> list[Evidence]:
        text = mail.body
        start, details = _LIST.search(text), _DETAILS.search(text)
        if not start:
            return []
        recipients = [a for line in text[start.end():].splitlines() if (m := _ITEM.match(line))
                      and (a := addresses.normalize(m.group(1)))]
        lines = [ln.strip() for ln in text[details.end():].splitlines() if ln.strip()] if details else []
        line = next((ln for ln in lines if not ln.startswith("=")), "")
        human: dict[str, Evidence] = {}
        for recipient in recipients:
            if (m := _SMTP.match(line)):
                command = {"EHLO": "HELO"}.get(m.group(1).upper(), m.group(1).upper())
                ev = evidence(recipient, m.group(3), command=command, remote_mta=m.group(2).lower(), action="failed")
            else:
                ev = evidence(recipient, (m.group(1) if (m := _OTHER.match(line)) else line), action="failed")
            human.setdefault(recipient.lower(), ev)
        return combine(dsn_evidence(mail), human)
