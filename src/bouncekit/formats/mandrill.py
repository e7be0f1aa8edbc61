"""Mandrill (Mailchimp Transactional): webhook batches of message events.

Posted as ``mandrill_events=<url-encoded JSON array>`` (or the array itself): each item has
``"event"`` (``hard_bounce``, ``soft_bounce``, ``reject``, ``spam``, ``deferral``...) and a
``msg`` with ``email`` (the recipient), ``bounce_description`` (Mandrill's class:
``bad_mailbox``, ``invalid_domain``, ``mailbox_full``, ``general``...) and ``diag`` (the remote
reply, ``smtp;550 5.1.1 ...``). Its classes for a bad mailbox, domain or a full mailbox and a
spam complaint become hints. Recognised by a ``mandrillapp.com`` sender, ``X-MC-*`` headers or
the payload's first characters.
"""

from __future__ import annotations

from ..mail import Mail
from ..model import Evidence, Group
from ._common import evidence
from ._json import events, load, payload_text, smtp_text

_EVENTS = {"hard_bounce": "failed", "soft_bounce": "delayed", "reject": "failed", "spam": "failed",
           "deferral": "delayed"}
_HINTS = {"bad_mailbox": Group.UNKNOWN_USER, "invalid_domain": Group.UNKNOWN_HOST,
          "mailbox_full": Group.MAILBOX_FULL}


class Mandrill:
    name = "mandrill"

    def matches(self, mail: Mail) -> bool:
        if "mandrillapp.com" in mail.sender:
            return True
        head = payload_text(mail)[:400]
        return head.startswith("mandrill_events=") or ('"msg"' in head and '"_id"' in head)

    def parse(self, mail: Mail) -> list[Evidence]:
        out = []
        for item in events(load(payload_text(mail))):
            kind = str(item.get("event", "")).lower()
            msg = item.get("msg") or {}
            if kind not in _EVENTS or not isinstance(msg, dict) or not msg.get("email"):
                continue
            hint = Group.FEEDBACK if kind == "spam" else _HINTS.get(str(msg.get("bounce_description", "")))
            diagnostic = smtp_text(msg.get("diag")) or str(msg.get("bounce_description") or kind)
            out.append(evidence(msg["email"], diagnostic, action=_EVENTS[kind], hint=hint, clean=False))
        return out
