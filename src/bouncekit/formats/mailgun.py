"""Mailgun: "failed" events of its webhooks (v3 ``event-data``) and the legacy form fields.

A webhook post holds ``{"signature": {...}, "event-data": {...}}``; the event has ``"event":
"failed"``, ``"severity": "permanent"`` or ``"temporary"``, ``"recipient"``, and a
``"delivery-status"`` object with the remote server's ``code`` (reply), ``enhanced-code``,
``message`` / ``description`` and ``mx-host``. Legacy posts (``"event": "bounced"`` /
``"dropped"``) carry ``recipient``, ``code`` and ``error`` at the top. Recognised by a Mailgun
sender or ``X-Mailgun-*`` header, or by ``event-data`` at the start of a JSON body.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence
from ._common import evidence
from ._json import events, load, payload_text, smtp_text

_FAILED = {"failed", "bounced", "dropped", "rejected"}


class Mailgun:
    name = "mailgun"

    def matches(self, mail: Mail) -> bool:
        if "mailgun" in mail.sender or mail.header("X-Mailgun-Sid"):
            return True
        head = payload_text(mail)[:400]
        return '"event-data"' in head or ('"event"' in head and "mailgun" in head.lower())

    def parse(self, mail: Mail) -> list[Evidence]:
        out = []
        for item in events(load(payload_text(mail))):
            event = item.get("event-data", item)
            if not isinstance(event, dict) or str(event.get("event", "")).lower() not in _FAILED:
                continue
            status = event.get("delivery-status") or {}
            code = status.get("code", event.get("code"))
            words = smtp_text(status.get("message") or status.get("description") or event.get("error")
                              or event.get("reason") or "")
            reply = str(code) if code and str(code).isdigit() and len(str(code)) == 3 else None
            diagnostic = words if not reply or words.startswith(reply) else f"{reply} {words}"
            action = "delayed" if str(event.get("severity", "")).lower() == "temporary" else "failed"
            out.append(evidence(event.get("recipient"), diagnostic, status=status.get("enhanced-code") or None,
                                reply_code=reply, action=action, remote_mta=status.get("mx-host") or None,
                                clean=False))
        return out
