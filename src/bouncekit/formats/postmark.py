"""Postmark: bounce webhooks (``"RecordType": "Bounce"``) and its bounce API records.

One JSON object per bounce: ``Email`` (the recipient), ``Type`` (``HardBounce``, ``SoftBounce``,
``Transient``, ``SpamNotification``, ``SpamComplaint``, ``AutoResponder``, ``DMARCPolicy``...),
``Description`` (Postmark's words) and ``Details`` (the remote reply, often ``smtp;550 5.1.1
...``). ``Type`` is Postmark's verdict: the unambiguous ones become hints (a complaint is
feedback, an auto-responder a vacation reply, a virus/spam notification, a DMARC rejection).
Recognised by a ``postmarkapp.com`` sender or ``"RecordType"`` at the start of a JSON body.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence, Group
from ._common import evidence
from ._json import events, load, payload_text, smtp_text

_HINTS = {"spamcomplaint": Group.FEEDBACK, "autoresponder": Group.VACATION, "dmarcpolicy": Group.AUTH_FAILURE,
          "virusnotification": Group.VIRUS_DETECTED, "spamnotification": Group.SPAM_DETECTED,
          "addresschange": Group.HAS_MOVED}
_DELAYED = {"softbounce", "transient", "dnserror"}


class Postmark:
    name = "postmark"

    def matches(self, mail: Mail) -> bool:
        return "postmarkapp.com" in mail.sender or '"RecordType"' in payload_text(mail)[:400]

    def parse(self, mail: Mail) -> list[Evidence]:
        out = []
        for item in events(load(payload_text(mail))):
            if str(item.get("RecordType", "Bounce")) not in ("Bounce", "SpamComplaint") or not item.get("Email"):
                continue
            kind = str(item.get("Type", "")).lower()
            diagnostic = smtp_text(item.get("Details")) or str(item.get("Description") or "")
            action = "delayed" if kind in _DELAYED else "failed"
            out.append(evidence(item["Email"], diagnostic, action=action, hint=_HINTS.get(kind), clean=False))
        return out
